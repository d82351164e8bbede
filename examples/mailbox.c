/*
 * examples/mailbox.c - an actor with a mailbox: several senders post
 * messages to one lf_mpsc, and the actor, its only consumer, handles them
 * in the order the posts took effect.
 *
 * Idioms: the message embeds its lf_mpsc_node (intrusive: no allocation
 * inside the queue) and is found again with lf_container_of; a popped
 * message is the actor's at once, to reuse or free; LF_RETRY means a post
 * is half done (its sender was preempted between its two steps): the
 * actor tries again, and LF_EMPTY is never spurious, so it can tell "no
 * mail" from "mail on its way".
 */
#include <lfkit/mpsc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { SENDERS = 3, MESSAGES_PER_SENDER = 50000 };

typedef struct message {
    lf_mpsc_node link;
    unsigned sender;
    unsigned seq;
} message;

static lf_mpsc mailbox;
static _Atomic(unsigned) senders_done;

static void *sender(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned i = 0; i < MESSAGES_PER_SENDER; i++) {
        message *m = (message *)malloc(sizeof *m);
        if (m == NULL)
            break; /* the actor's count check below reports it */
        m->sender = id;
        m->seq = i;
        lf_mpsc_push(&mailbox, &m->link); /* any thread; wait-free */
    }
    /* release: this sender's pushes happen before the actor's acquire load sees the count */
    atomic_fetch_add_explicit(&senders_done, 1, memory_order_release);
    return NULL;
}

/* The actor: handles every message, checks each sender's are in order. */
static int actor(void)
{
    unsigned next_seq[SENDERS] = {0};
    unsigned long handled = 0;
    for (;;) {
        lf_mpsc_node *n;
        lf_status st = lf_mpsc_pop(&mailbox, &n); /* consumer only */
        if (st == LF_OK) {
            message *m = lf_container_of(n, message, link);
            if (m->seq != next_seq[m->sender]++)
                return 1; /* FIFO per sender is what lf_mpsc promises */
            handled++;
            free(m); /* popped: ours at once */
        } else if (st == LF_EMPTY &&
                   atomic_load_explicit(&senders_done, memory_order_acquire) == SENDERS && /* pairs with the release */
                   lf_mpsc_is_empty(&mailbox)) {
            break; /* every sender finished, and nothing is on its way */
        } else {
            lf_cpu_relax(); /* LF_RETRY, or empty while senders still run */
        }
    }
    printf("mailbox: %lu messages from %d senders, each sender's in order\n", handled, SENDERS);
    return handled == (unsigned long)SENDERS * MESSAGES_PER_SENDER ? 0 : 1;
}

int main(void)
{
    lf_mpsc_init(&mailbox);
    atomic_store_explicit(&senders_done, 0u, memory_order_relaxed); /* before the senders start */
    pthread_t t[SENDERS];
    for (unsigned i = 0; i < SENDERS; i++)
        pthread_create(&t[i], NULL, sender, (void *)(uintptr_t)i);
    int rc = actor();
    for (unsigned i = 0; i < SENDERS; i++)
        pthread_join(t[i], NULL);
    return rc;
}
