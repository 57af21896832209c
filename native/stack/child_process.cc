#include "native/stack/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::native {

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(asio::io_context& io, const std::vector<std::string>& argv,
                                                          LineHandler on_line, ExitHandler on_exit) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return Status(StatusCode::kUnavailable, std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Status(StatusCode::kUnavailable, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // In the child: only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the stack died before prctl took effect
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execv(args[0], args.data());
    const char message[] = "exec failed\n";
    static_cast<void>(::write(STDERR_FILENO, message, sizeof(message) - 1));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::unique_ptr<ChildProcess> child(new ChildProcess(io, pid, fds[0], std::move(on_line), std::move(on_exit)));
  child->read();
  return child;
}

ChildProcess::ChildProcess(asio::io_context& io, pid_t pid, int output, LineHandler on_line, ExitHandler on_exit)
    : pid_(pid), output_(io, output), on_line_(std::move(on_line)), on_exit_(std::move(on_exit)) {}

ChildProcess::~ChildProcess() {
  if (running_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::signal(int signal_number) {
  if (running_) ::kill(pid_, signal_number);
}

void ChildProcess::read() {
  output_.async_read_some(asio::buffer(chunk_), [this](const asio::error_code& error, std::size_t n) {
    buffer_.append(chunk_, n);
    for (std::size_t end = buffer_.find('\n'); end != std::string::npos; end = buffer_.find('\n')) {
      on_line_(std::string_view(buffer_).substr(0, end));
      buffer_.erase(0, end + 1);
    }
    if (!error) return read();
    // The output ended: the process has exited (or closed both streams, then exits).
    if (!buffer_.empty()) on_line_(buffer_);
    buffer_.clear();
    int status = 0;
    ::waitpid(pid_, &status, 0);
    running_ = false;
    on_exit_(status);
  });
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int number = WTERMSIG(wait_status);
    const char* name = ::sigabbrev_np(number);  // "KILL"; null for a number with no name
    return name != nullptr ? std::string("killed by SIG") + name : "killed by signal " + std::to_string(number);
  }
  return "stopped";
}

}  // namespace sluice::native
