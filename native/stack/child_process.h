// child_process.h: ChildProcess, one service the stack runs: started with its output
// (stdout and stderr) on a pipe read line by line on the loop, in its own process
// group (so a Ctrl-C reaches the stack, which stops the services in order), and told
// to die with the stack if the stack is killed.
#ifndef SLUICE_NATIVE_STACK_CHILD_PROCESS_H_
#define SLUICE_NATIVE_STACK_CHILD_PROCESS_H_

#include <sys/types.h>

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace sluice::native {

class ChildProcess {
 public:
  using LineHandler = std::function<void(std::string_view line)>;
  // ExitHandler: the wait status (as waitpid gives it), once the output has ended.
  using ExitHandler = std::function<void(int wait_status)>;

  // spawn: runs argv[0] with argv. REQUIRES: argv non-empty.
  static Result<std::unique_ptr<ChildProcess>> spawn(asio::io_context& io, const std::vector<std::string>& argv,
                                                     LineHandler on_line, ExitHandler on_exit);
  ~ChildProcess();

  void signal(int signal_number);
  bool running() const { return running_; }
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(asio::io_context& io, pid_t pid, int output, LineHandler on_line, ExitHandler on_exit);
  void read();

  pid_t pid_;
  asio::posix::stream_descriptor output_;
  LineHandler on_line_;
  ExitHandler on_exit_;
  std::string buffer_;
  char chunk_[4096];
  bool running_ = true;
};

// describe_exit: "exited with 0", "killed by SIGKILL".
std::string describe_exit(int wait_status);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_STACK_CHILD_PROCESS_H_
