// `polypipe compact`: merges the small files of Bronze's partitions (see bronze/compactor.h).

#pragma once

#include <string>
#include <vector>

#include "fetch/config.h"

namespace polypipe::cli {

// Compacts `datasets` (all datasets of the data directory when empty) of config.data_dir into
// files of config.compact.target_size_mb, every partition with at least two small files. Prints a
// line per dataset and a summary; returns the exit code (1 if a partition failed or the directory
// cannot be opened).
int Compact(const fetch::FetchConfig& config, const std::vector<std::string>& datasets);

}  // namespace polypipe::cli
