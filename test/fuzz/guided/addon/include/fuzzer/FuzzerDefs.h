// The two declarations of libFuzzer's internal header that Jazzer.js' addon
// uses. Debian's libclang-rt-16-dev ships the library without its internal
// headers; these match the functions it exports (see libfuzzer-compat.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer
