// Jazzer.js 2.1.0's native addon is written against Code Intelligence's fork
// of libFuzzer, which its install script downloads; this machine reaches no
// such host, so scripts/jazzer-addon.mjs links the addon's sources (shipped in
// the npm package) with LLVM's own libFuzzer from Debian instead. This file
// supplies what the addon expects of the fork:
//   - the *_with_pc tracing entry points. The upstream ones take the caller's
//     address as the comparison's site, so every JavaScript comparison counts
//     as one site: value profiles (-use_value_profile) are coarser, the table
//     of recent comparisons that feeds the mutator's dictionary is the same.
//   - the death callback (the crash report), under upstream's name.
//   - FuzzerDriver returning when fuzzing ends. Upstream calls exit(0) after
//     -runs or -max_total_time and ignores a callback's request to stop;
//     Jazzer.js then never gets to report the finding or write its coverage.
//     Link with -Wl,--wrap=exit and --wrap=<FuzzerDriver's mangled name>.
#include <csetjmp>
#include <cstdint>
#include <cstdlib>

#include <fuzzer/FuzzerDefs.h>

#include "shared/libfuzzer.h"

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t Arg1, uint64_t Arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t Callee);
void __jazzer_set_death_callback(void (*Callback)());
}

namespace fuzzer {
// Set while libFuzzer runs the callback; its exit handler reports any exit
// meanwhile as the target's. Leaving the driver from inside the callback must
// clear it.
extern bool RunningUserCallback;
} // namespace fuzzer

extern "C" void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t Arg1, uint64_t Arg2) {
  __sanitizer_cov_trace_const_cmp8(Arg1, Arg2);
}

extern "C" void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t Callee) {
  __sanitizer_cov_trace_pc_indir(Callee);
}

// Upstream libFuzzer hands its death callback to the sanitizer runtime under
// this name; the addon keeps it under the fork's.
extern "C" void __sanitizer_set_death_callback(void (*Callback)()) { __jazzer_set_death_callback(Callback); }

namespace {
std::jmp_buf gDriverReturn;
bool gInDriver = false;
fuzzer::UserCallback gCallback = nullptr;

[[noreturn]] void ReturnFromDriver() {
  fuzzer::RunningUserCallback = false;
  std::longjmp(gDriverReturn, 1);
}

int CallbackThatCanStop(const uint8_t *Data, size_t Size) {
  int Result = gCallback(Data, Size);
  // Skipping libFuzzer's frames leaks what they hold; the process ends soon
  // after, as it would have on upstream's exit().
  if (Result == libfuzzer::RETURN_EXIT) ReturnFromDriver();
  return Result;
}
} // namespace

extern "C" {
int __real__ZN6fuzzer12FuzzerDriverEPiPPPcPFiPKhmE(int *Argc, char ***Argv, fuzzer::UserCallback Callback);
[[noreturn]] void __real_exit(int Status);

int __wrap__ZN6fuzzer12FuzzerDriverEPiPPPcPFiPKhmE(int *Argc, char ***Argv, fuzzer::UserCallback Callback) {
  gCallback = Callback;
  if (setjmp(gDriverReturn) != 0) {
    gInDriver = false;
    return 0;
  }
  gInDriver = true;
  int Result = __real__ZN6fuzzer12FuzzerDriverEPiPPPcPFiPKhmE(Argc, Argv, CallbackThatCanStop);
  gInDriver = false;
  return Result;
}

// Only a successful end returns to JavaScript: errors still end the process
// with their own status.
[[noreturn]] void __wrap_exit(int Status) {
  if (gInDriver && Status == 0) ReturnFromDriver();
  __real_exit(Status);
}
}
