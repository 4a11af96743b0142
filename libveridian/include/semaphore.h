/*
 * POSIX <semaphore.h>: unnamed semaphores only (sem_open and friends are left out), private
 * to the process (sem_init with pshared != 0 fails with ENOTSUP). The value is a futex word;
 * sem_timedwait takes a CLOCK_REALTIME absolute time (src/sem.c).
 */
#ifndef _SEMAPHORE_H
#define _SEMAPHORE_H

#include <stdint.h>

#include <bits/timespec.h>

typedef struct {
    uint32_t value;
    uint32_t waiters;
} sem_t;

#define SEM_VALUE_MAX 0x7fffffff

int sem_init(sem_t *s, int pshared, unsigned value);
int sem_destroy(sem_t *s);
int sem_wait(sem_t *s);
int sem_trywait(sem_t *s);
int sem_timedwait(sem_t *s, const struct timespec *abstime);
int sem_post(sem_t *s);
int sem_getvalue(sem_t *s, int *value);

#endif
