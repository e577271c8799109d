// `polypipe status`: what Bronze holds and how the last run went, read from the commit logs and
// the run reports without taking the data directory's lock (a fetch may be running).

#pragma once

#include <string>

namespace polypipe::cli {

// Prints the status of `data_dir` (a table, or JSON with `json`); returns the exit code.
int Status(const std::string& data_dir, bool json);

}  // namespace polypipe::cli
