// Placeholder until the stage's first source file lands.
