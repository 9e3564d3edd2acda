// bench/micro/driver/unwind_hook.cpp: timestamps the start of every throw.
//
// The runtime's slow path throws with std::rethrow_exception, which enters
// the unwinder through _Unwind_RaiseException (called by libstdc++ through
// the PLT). Linked into an executable that exports this definition
// (-Wl,--export-dynamic-symbol=_Unwind_RaiseException), it interposes on
// libgcc_s's: it records the time in a thread-local and calls the real one.
// That splits delivery latency into "interrupt() to throw" (the poll) and
// "throw to catch" (the search phase, destructors run while unwinding, the
// catch). Always compiled without the plugin: it must never poll.
#include <chrono>
#include <dlfcn.h>
#include <unwind.h>

namespace bench {
thread_local std::chrono::steady_clock::time_point throw_started;
thread_local bool throw_hook_active = false;
} // namespace bench

extern "C" _Unwind_Reason_Code _Unwind_RaiseException(_Unwind_Exception *e) {
  using fn = _Unwind_Reason_Code (*)(_Unwind_Exception *);
  static fn real =
      reinterpret_cast<fn>(dlsym(RTLD_NEXT, "_Unwind_RaiseException"));
  bench::throw_started = std::chrono::steady_clock::now();
  bench::throw_hook_active = true;
  return real(e);
}
