// Child processes for tests that run the executables as users do: spawn with output captured to
// a file and extra environment variables, bounded waits, and a kill on scope exit.

#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace polysim::testing {

namespace fs = std::filesystem;

struct Process {
  pid_t pid = -1;
  // Waits at most `seconds` for exit; returns the exit code, or -1 (and kills it) on timeout.
  int Wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
    return -1;
  }
  ~Process() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

// Starts `args` with stdout and stderr going to `out_file` and `env` ("NAME=value") added to this
// process's environment.
inline Process Spawn(std::vector<std::string> args, const std::string& out_file,
                     const std::vector<std::string>& env = {}) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  Process p;
  EXPECT_EQ(posix_spawn(&p.pid, argv[0], &actions, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  return p;
}

struct Outcome {
  int code;
  std::string output;
};

inline Outcome RunToEnd(std::vector<std::string> args, double seconds = 30,
                        const std::vector<std::string>& env = {}) {
  static int counter = 0;
  const fs::path out = fs::temp_directory_path() / ("polypipe-test-" + std::to_string(getpid()) +
                                                    "-" + std::to_string(++counter));
  Process p = Spawn(std::move(args), out.string(), env);
  Outcome r{p.Wait(seconds), ""};
  std::ifstream in(out);
  r.output.assign(std::istreambuf_iterator<char>(in), {});
  fs::remove(out);
  return r;
}

// A fresh, empty directory under the temp dir (removed first if a crashed test left it).
// The port a polysim started with --port-file wrote, once it is there (up to ten seconds), or 0.
inline int WaitForPortFile(const fs::path& port_file) {
  int port = 0;
  for (int i = 0; i < 500 && port == 0; ++i) {
    std::ifstream in(port_file);
    if (!(in >> port)) port = 0;
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return port;
}

inline fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace polysim::testing
