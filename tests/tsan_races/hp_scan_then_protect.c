/*
 * Negative test (race.h): a scan does not order the scanner's earlier
 * writes before another thread's later protect.
 *
 * writer: race_user_data = 1; lf_hp_scan(its own record); post.
 * reader: wait; lf_hp_protect(its own record, &src); read race_user_data.
 *
 * No happens-before in C11: after the write, the writer's atomics are
 * scan's seq_cst fence and its acquire loads of the hazard slots (loads
 * release nothing) and the relaxed post.  The fence is a release fence,
 * but the only store after it is the post, which reaches the reader only
 * through the relay (race.h).  The reader's protect is a seq_cst store to
 * its own slot and a seq_cst (acquire) load of src, which main wrote
 * before the threads started.  Nothing the reader acquires was released by
 * the writer after the write.  Seq_cst's total order S orders the scan's
 * fence before the protect, but S is not happens-before.
 */
#include "race.h"

#include <lfkit/hp.h>

typedef struct scenario {
    lf_hp_domain domain;
    lf_hp_rec *writer_rec, *reader_rec;
    _Atomic(void *) src;
    int object;
} scenario;

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    race_user_data = 1;
    lf_hp_scan(s->writer_rec);
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    race_wait();
    race_require(lf_hp_protect(s->reader_rec, 0, &s->src) == &s->object, "protect");
    race_sink = race_user_data;
    lf_hp_clear(s->reader_rec, 0);
    return NULL;
}

int main(void)
{
    static scenario s;
    race_require(lf_hp_domain_init(&s.domain, 1) == LF_OK, "domain init");
    s.writer_rec = lf_hp_rec_acquire(&s.domain);
    s.reader_rec = lf_hp_rec_acquire(&s.domain);
    race_require(s.writer_rec != NULL && s.reader_rec != NULL, "record acquire");
    atomic_store_explicit(&s.src, (void *)&s.object, memory_order_relaxed);
    race_run(writer, reader, &s);
    lf_hp_rec_release(s.writer_rec);
    lf_hp_rec_release(s.reader_rec);
    lf_hp_domain_destroy(&s.domain);
    return 0;
}
