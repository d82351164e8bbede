/* lfkit.h - every lfkit header. */
#ifndef LFKIT_H
#define LFKIT_H

#include <lfkit/platform.h>
#include <lfkit/counter.h>
#include <lfkit/tagged.h>
#include <lfkit/stack.h>
#include <lfkit/hp.h>
#include <lfkit/queue.h>
#include <lfkit/deque.h>
#include <lfkit/pool.h>
#include <lfkit/ring.h>
#include <lfkit/spsc.h>
#include <lfkit/mpsc.h>
#include <lfkit/segqueue.h>

#endif /* LFKIT_H */
