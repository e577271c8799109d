// Parser: the reusable JSON parsing state (simdjson On-Demand buffers) behind every page parser
// in src/api. Building one allocates; reusing it across pages keeps parsing allocation-free apart
// from the rows themselves.
//
// Thread-safety: none. Own one Parser per thread and pass it to the Parse* functions. Rows and
// errors returned by those functions never point into the Parser, so they outlive the next call.

#pragma once

#include <memory>

namespace polypipe::api {

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // For the page parsers of src/api; defined in api/parser_state.h.
  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace polypipe::api
