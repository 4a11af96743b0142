/*
 * C11 <assert.h>. Deliberately without include guard: each inclusion re-reads NDEBUG.
 * A failed assertion prints "file:line: function: Assertion `expr' failed." and aborts.
 */
#undef assert

#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
_Noreturn void __assert_fail(const char *expr, const char *file, unsigned int line,
                             const char *func);
#define assert(expr) ((expr) ? (void)0 : __assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif
