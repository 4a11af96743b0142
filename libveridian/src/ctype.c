/*
 * <ctype.h> for the C locale: ASCII classes only; bytes 0x80-0xff and EOF are in no class.
 * Engine file: see core.h.
 */
#include "core.h"

int vr_isascii(int c)
{
    return (unsigned)c < 128;
}

int vr_isdigit(int c)
{
    return (unsigned)c - '0' < 10;
}

int vr_islower(int c)
{
    return (unsigned)c - 'a' < 26;
}

int vr_isupper(int c)
{
    return (unsigned)c - 'A' < 26;
}

int vr_isalpha(int c)
{
    return vr_islower(c) || vr_isupper(c);
}

int vr_isalnum(int c)
{
    return vr_isalpha(c) || vr_isdigit(c);
}

int vr_isblank(int c)
{
    return c == ' ' || c == '\t';
}

int vr_iscntrl(int c)
{
    return (unsigned)c < 32 || c == 127;
}

int vr_isgraph(int c)
{
    return (unsigned)c - 33 < 94;
}

int vr_isprint(int c)
{
    return (unsigned)c - 32 < 95;
}

int vr_ispunct(int c)
{
    return vr_isgraph(c) && !vr_isalnum(c);
}

int vr_isspace(int c)
{
    return c == ' ' || (unsigned)c - '\t' < 5;
}

int vr_isxdigit(int c)
{
    return vr_isdigit(c) || ((unsigned)c | 32) - 'a' < 6;
}

int vr_tolower(int c)
{
    return vr_isupper(c) ? c | 32 : c;
}

int vr_toupper(int c)
{
    return vr_islower(c) ? c & 0x5f : c;
}

#ifdef VERIDIAN_GUEST
#include <ctype.h>

VR_ALIAS(vr_isalnum, isalnum);
VR_ALIAS(vr_isalpha, isalpha);
VR_ALIAS(vr_isascii, isascii);
VR_ALIAS(vr_isblank, isblank);
VR_ALIAS(vr_iscntrl, iscntrl);
VR_ALIAS(vr_isdigit, isdigit);
VR_ALIAS(vr_isgraph, isgraph);
VR_ALIAS(vr_islower, islower);
VR_ALIAS(vr_isprint, isprint);
VR_ALIAS(vr_ispunct, ispunct);
VR_ALIAS(vr_isspace, isspace);
VR_ALIAS(vr_isupper, isupper);
VR_ALIAS(vr_isxdigit, isxdigit);
VR_ALIAS(vr_tolower, tolower);
VR_ALIAS(vr_toupper, toupper);

int toascii(int c)
{
    return c & 0x7f;
}
#endif
