/* POSIX <sched.h>: only sched_yield (no scheduling policies; the simulator picks). */
#ifndef _SCHED_H
#define _SCHED_H

int sched_yield(void);

#endif
