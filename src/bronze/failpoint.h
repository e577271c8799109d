// Failpoints: named places in the commit protocol where a test can make the process die on the
// spot, the way `kill -9` or a power cut would (no destructors, no buffered output, no cleanup).
//
// Set POLYPIPE_FAILPOINT=<name> to die at the first hit of <name>, or <name>:N to die at the Nth
// hit. The variable is read once, at the first call; when it is unset a failpoint costs one
// predictable branch. The points, in the order a batch passes them:
//
//   bronze.before_stage  a batch has been taken from the buffer, no Parquet written yet
//   bronze.mid_stage     some but not all partition files of the batch are staged (only reached by
//                        a batch spanning more than one dt partition)
//   bronze.after_stage   every file is staged and fsynced; no commit record exists
//   bronze.mid_commit    the commit record's temp file is written and fsynced, not yet renamed
//   bronze.after_commit  the commit record is in place; no staged file has been moved into dt=
//   bronze.mid_rename    some but not all staged files have been moved into dt= (only reached by a
//                        commit with more than one file)
//   bronze.mid_remove    a compaction's files are placed and some but not all of the files they
//                        replace are deleted
// and, when a commit is followed by a checkpoint of its dataset's log:
//   bronze.mid_checkpoint   the checkpoint's streams file is in place, its manifest is not
//   bronze.after_checkpoint the checkpoint is in place; nothing it covers is pruned yet
//   bronze.mid_prune        some but not all of what it covers is deleted
//
// Thread-safety: Failpoint may be called from any thread.

#pragma once

namespace polypipe::bronze {

// Kills the process with SIGKILL if POLYPIPE_FAILPOINT selects this hit of `name`.
void Failpoint(const char* name);

}  // namespace polypipe::bronze
