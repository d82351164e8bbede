/*
 * examples/buffer_free_list.c - a free list of I/O buffers shared by
 * threads, on lf_stack.
 *
 * Idioms: the node is embedded in the buffer (intrusive) and
 * lf_container_of gets the buffer back; the buffers live in one static
 * array for the whole run, which is what lf_stack_pop requires (popped
 * nodes stay readable memory: never free() a node while the stack is in
 * use).  Any thread may push and pop.  A buffer taken from the list is
 * that thread's alone until it pushes it back, and the push publishes what
 * the thread wrote to the next thread that pops it: each user fills the
 * whole buffer with its id, and the next one checks that it finds one id
 * throughout (two threads holding one buffer would leave a mix).
 */
#include <lfkit/stack.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { BUFFERS = 8, THREADS = 4, ROUNDS = 20000, BUFFER_BYTES = 256 };

typedef struct buffer {
    lf_stack_node link;
    unsigned char bytes[BUFFER_BYTES];
} buffer;

static buffer buffers[BUFFERS];
static lf_stack free_list; /* aligned to LF_CACHELINE: static, or aligned_alloc */

typedef struct worker {
    unsigned char id;
    unsigned used, mixed;
} worker;

static void *serve(void *arg)
{
    worker *w = (worker *)arg;
    for (unsigned i = 0; i < ROUNDS; i++) {
        lf_stack_node *n;
        while ((n = lf_stack_pop(&free_list)) == NULL) /* every buffer is out: try again */
            lf_cpu_relax();
        buffer *b = lf_container_of(n, buffer, link);
        for (size_t k = 1; k < sizeof b->bytes; k++) /* what the last user wrote, whole */
            if (b->bytes[k] != b->bytes[0])
                w->mixed++;
        memset(b->bytes, w->id, sizeof b->bytes); /* "use" the buffer */
        w->used++;
        lf_stack_push(&free_list, &b->link); /* hand it back to any thread */
    }
    return NULL;
}

int main(void)
{
    lf_stack_init(&free_list);
    for (int i = 0; i < BUFFERS; i++)
        lf_stack_push(&free_list, &buffers[i].link);

    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.id = (unsigned char)(i + 1)};
        if (pthread_create(&t[i], NULL, serve, &w[i]) != 0)
            return 1;
    }
    unsigned used = 0, mixed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        used += w[i].used;
        mixed += w[i].mixed;
    }

    unsigned back = 0; /* every buffer is on the list again, once */
    for (lf_stack_node *n = lf_stack_pop_all(&free_list); n != NULL; n = lf_stack_node_next(n))
        back++;
    printf("buffer_free_list: %u uses of %d buffers by %d threads, %u back on the list\n", used, BUFFERS,
           THREADS, back);
    return used == THREADS * ROUNDS && mixed == 0 && back == BUFFERS ? 0 : 1;
}
