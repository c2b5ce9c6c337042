#pragma once
// What a fuzz target asserts beyond "no crash": a property every input must keep (a round trip,
// a bound). Not assert(): the Release build defines NDEBUG, and the corpus replay in CTest must
// still catch a broken property.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                     \
    do {                                                                                          \
        if (!(condition)) {                                                                       \
            std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                         \
        }                                                                                         \
    } while (0)
