/*
 * lfkit/version.h - the library's version, the one place it is written.
 *
 * Semantic versioning: a MAJOR step may break the API contract, a MINOR
 * step only adds to it, a PATCH step fixes without changing it; while
 * MAJOR is 0 a MINOR step may also break it (CHANGELOG.md says what
 * changed).  lfkit.pc (the Makefile, with sed) and the CMake package
 * version (CMakeLists.txt, with file(STRINGS)) read the three numbers
 * from this file.
 *
 * Integer constant expressions for #if, a string literal, and
 * lf_version() for code that reports the version at run time; no state.
 * Included by platform.h, so by every lfkit header.
 */
#ifndef LFKIT_VERSION_H
#define LFKIT_VERSION_H

#define LF_VERSION_MAJOR 0
#define LF_VERSION_MINOR 2
#define LF_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH", spelled from the three numbers above. */
#define LF_VERSION__STR(x) #x
#define LF_VERSION__XSTR(x) LF_VERSION__STR(x)
#define LF_VERSION \
    LF_VERSION__XSTR(LF_VERSION_MAJOR) "." LF_VERSION__XSTR(LF_VERSION_MINOR) "." LF_VERSION__XSTR(LF_VERSION_PATCH)

/* Any thread: the version of the headers this translation unit was compiled
   with (header-only, so that is also the library's), for a log line or a
   --version flag. */
static inline const char *lf_version(void)
{
    return LF_VERSION;
}

#endif /* LFKIT_VERSION_H */
