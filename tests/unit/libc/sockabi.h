/* One fact of the socket ABI (sockabi_list.h): its name and value. */
#ifndef TEST_SOCKABI_H
#define TEST_SOCKABI_H

struct sockabi_fact {
    const char *name;
    long value;
};

#define SOCKABI_X(c) {#c, (long)(c)},
#define SOCKABI_S(t) {"sizeof(" #t ")", (long)sizeof(t)},
#define SOCKABI_O(t, m) {"offsetof(" #t ", " #m ")", (long)offsetof(t, m)},

#endif
