// ProgressOf: a dataset's committed stream progress, for assertions (a read failure fails the
// test).

#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "bronze/store.h"

namespace polypipe::bronze::testing {

inline nlohmann::json ProgressOf(const Store& store, const std::string& dataset) {
  nlohmann::json progress;
  const Status s = store.Progress(dataset, &progress);
  EXPECT_TRUE(s.ok()) << s.message();
  return progress;
}

}  // namespace polypipe::bronze::testing
