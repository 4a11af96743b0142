/*
 * The environment: getenv, setenv, unsetenv, putenv and clearenv over `environ`.
 * environ starts as the envp array on the initial stack; the first change copies it into
 * an array of ours (grown by doubling). Strings made by setenv are remembered and freed
 * when replaced or removed; strings given to putenv belong to the caller and become part
 * of the environment as they are. A program that assigns environ itself is respected:
 * the next change copies whatever environ then is. Changes are serialised by a lock;
 * getenv is not (as POSIX says, it may race with changes).
 */
#include "libc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct vr_lock env_lock = VR_LOCK_INIT;
static char **env_array; /* environ when it is ours */
static size_t env_cap;   /* entries env_array can hold, the final NULL included */
static char **owned;     /* strings made by setenv that are still in use */
static size_t nowned, owned_cap;

static size_t env_count(void)
{
    size_t n = 0;

    while (environ && environ[n])
        n++;
    return n;
}

/* Index of name's entry (name of length len), or -1. */
static long env_find(const char *name, size_t len)
{
    for (size_t i = 0; environ && environ[i]; i++)
        if (!strncmp(environ[i], name, len) && environ[i][len] == '=')
            return (long)i;
    return -1;
}

static int name_ok(const char *name)
{
    return name && name[0] && !strchr(name, '=');
}

/* Make environ ours with room for one more entry: 0 or -1 (ENOMEM). */
static int env_reserve(void)
{
    size_t n = env_count();

    if (environ == env_array && n + 2 <= env_cap)
        return 0;
    size_t cap = env_cap ? env_cap * 2 : 32;
    while (cap < n + 2)
        cap *= 2;
    char **a = malloc(cap * sizeof *a);
    if (!a)
        return -1;
    if (n)
        memcpy(a, environ, n * sizeof *a);
    a[n] = NULL;
    if (environ == env_array)
        free(env_array);
    env_array = environ = a;
    env_cap = cap;
    return 0;
}

static void release_string(char *s)
{
    for (size_t i = 0; i < nowned; i++) {
        if (owned[i] == s) {
            owned[i] = owned[--nowned];
            free(s);
            return;
        }
    }
}

static int remember_string(char *s)
{
    if (nowned == owned_cap) {
        size_t cap = owned_cap ? owned_cap * 2 : 16;
        char **o = realloc(owned, cap * sizeof *o);
        if (!o)
            return -1;
        owned = o;
        owned_cap = cap;
    }
    owned[nowned++] = s;
    return 0;
}

/* Put entry (of a name of length len) in place of the old one, or append it. */
static int env_put(char *entry, size_t len)
{
    long i = env_find(entry, len);

    if (i >= 0) {
        if (environ != env_array && env_reserve() < 0)
            return -1;
        char *old = environ[i];
        environ[i] = entry;
        release_string(old);
        return 0;
    }
    if (env_reserve() < 0)
        return -1;
    size_t n = env_count();
    environ[n] = entry;
    environ[n + 1] = NULL;
    return 0;
}

char *getenv(const char *name)
{
    size_t len = strlen(name);
    long i;

    if (!len || strchr(name, '='))
        return NULL;
    i = env_find(name, len);
    return i < 0 ? NULL : environ[i] + len + 1;
}

int setenv(const char *name, const char *value, int overwrite)
{
    int rc = 0;

    if (!name_ok(name)) {
        errno = EINVAL;
        return -1;
    }
    size_t len = strlen(name), vlen = strlen(value);
    vr_lock_acquire(&env_lock);
    if (!overwrite && env_find(name, len) >= 0)
        goto out;
    char *entry = malloc(len + vlen + 2);
    if (!entry || remember_string(entry) < 0) {
        free(entry);
        rc = -1;
        goto out;
    }
    memcpy(entry, name, len);
    entry[len] = '=';
    memcpy(entry + len + 1, value, vlen + 1);
    if (env_put(entry, len) < 0) {
        release_string(entry);
        rc = -1;
    }
out:
    vr_lock_release(&env_lock);
    if (rc)
        errno = ENOMEM;
    return rc;
}

int unsetenv(const char *name)
{
    if (!name_ok(name)) {
        errno = EINVAL;
        return -1;
    }
    size_t len = strlen(name);
    vr_lock_acquire(&env_lock);
    long i;
    while ((i = env_find(name, len)) >= 0) {
        if (environ != env_array && env_reserve() < 0) {
            vr_lock_release(&env_lock);
            errno = ENOMEM;
            return -1;
        }
        char *old = environ[i];
        size_t n = env_count();
        memmove(&environ[i], &environ[i + 1], (n - (size_t)i) * sizeof *environ);
        release_string(old);
    }
    vr_lock_release(&env_lock);
    return 0;
}

int putenv(char *string)
{
    const char *eq = strchr(string, '=');

    if (!eq)
        return unsetenv(string);
    if (eq == string) {
        errno = EINVAL;
        return -1;
    }
    vr_lock_acquire(&env_lock);
    int rc = env_put(string, (size_t)(eq - string));
    vr_lock_release(&env_lock);
    if (rc < 0)
        errno = ENOMEM;
    return rc;
}

int clearenv(void)
{
    vr_lock_acquire(&env_lock);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    nowned = 0;
    if (environ == env_array)
        free(env_array);
    env_array = NULL;
    env_cap = 0;
    environ = NULL;
    vr_lock_release(&env_lock);
    return 0;
}
