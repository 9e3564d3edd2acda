// Ctrl-C with proper cleanup: SIGINT becomes safepoint::signal_received,
// thrown in the main thread at its next poll, so every destructor runs (the
// temporary file is removed). Press Ctrl-C twice within 2 s and the process
// dies by SIGINT as it would without Safepoint.
//
//   build/bin/safepoint-ctrl-c              # press Ctrl-C
//   build/bin/safepoint-ctrl-c --self-test  # sends itself SIGINT once busy

#include <safepoint/signal.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

static std::atomic<bool> busy{false};

/// A resource whose cleanup matters: a scratch file.
struct ScratchFile {
  std::string path = "/tmp/safepoint-ctrl-c." + std::to_string(getpid());
  ScratchFile() { std::fclose(std::fopen(path.c_str(), "w")); }
  ~ScratchFile() {
    std::remove(path.c_str());
    std::printf("cleanup: removed %s\n", path.c_str());
  }
};

unsigned long crunch() {
  ScratchFile scratch;
  unsigned long x = 1;
  for (unsigned long i = 0;; ++i) { // instrumented: polls
    x = x * 2862933555777941757UL + 3037000493UL;
    if (i == 1000)
      busy = true;
  }
  return x;
}

int main(int argc, char **argv) {
  safepoint::signal_interrupts ctrl_c; // SIGINT, SIGTERM -> this thread
  if (argc > 1 && std::strcmp(argv[1], "--self-test") == 0) {
    std::thread([] {
      while (!busy.load())
        std::this_thread::yield();
      ::kill(::getpid(), SIGINT);
    }).detach();
  } else {
    std::printf("crunching; press Ctrl-C\n");
  }
  std::fflush(stdout);
  try {
    crunch();
  } catch (const safepoint::signal_received &s) {
    std::printf("stopped by %s, cleanly\n", s.what());
    return 128 + s.signo;
  }
}
