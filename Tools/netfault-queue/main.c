// netfault-queue: delay and random loss for the packets an iptables NFQUEUE rule hands it; what
// `tc qdisc netem delay D loss P` does, for kernels built without sch_netem (the network fault
// tests need it on such machines). Packets are held in arrival order and each is released D ms
// after it arrived, or dropped on arrival with probability P; the kernel keeps the packet until
// its verdict, so the delay and the loss are real on the wire (here: the test's namespace).
//
// Usage: netfault-queue -q QUEUE [-d DELAY_MS] [-l LOSS] [-s SEED]
// Prints "ready" once bound, then serves until stdin closes (so a dying test takes it along) and
// prints "passed N dropped M overflowed K" before exiting.
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

// Held packets: at 1 Gbit/s of 1500-byte packets 300 ms is 25,000 packets; more than that is
// dropped, as netem's `limit` does.
#define CAPACITY 65536

struct held {
    uint32_t id;
    uint64_t release_ns;
};

static struct held ring[CAPACITY];
static size_t head = 0, count = 0;
static uint64_t delay_ns = 0;
static double loss = 0;
static unsigned long long passed = 0, dropped = 0, overflowed = 0;
static struct nfq_q_handle *queue_handle;

static uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static int on_packet(struct nfq_q_handle *handle, struct nfgenmsg *message, struct nfq_data *data, void *context) {
    (void)message;
    (void)context;
    struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(data);
    if (!header) return 0;
    uint32_t id = ntohl(header->packet_id);
    if (loss > 0 && drand48() < loss) {
        dropped++;
        return nfq_set_verdict(handle, id, NF_DROP, 0, NULL);
    }
    if (delay_ns == 0) {
        passed++;
        return nfq_set_verdict(handle, id, NF_ACCEPT, 0, NULL);
    }
    if (count == CAPACITY) {
        overflowed++;
        return nfq_set_verdict(handle, id, NF_DROP, 0, NULL);
    }
    ring[(head + count) % CAPACITY] = (struct held){id, now_ns() + delay_ns};
    count++;
    return 0;
}

static void release_due(void) {
    uint64_t now = now_ns();
    while (count > 0 && ring[head].release_ns <= now) {
        nfq_set_verdict(queue_handle, ring[head].id, NF_ACCEPT, 0, NULL);
        passed++;
        head = (head + 1) % CAPACITY;
        count--;
    }
}

int main(int argc, char **argv) {
    int queue_number = -1;
    long seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-q") == 0) queue_number = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-d") == 0) delay_ns = (uint64_t)atoll(argv[i + 1]) * 1000000ull;
        else if (strcmp(argv[i], "-l") == 0) loss = atof(argv[i + 1]);
        else if (strcmp(argv[i], "-s") == 0) seed = atol(argv[i + 1]);
        else {
            fprintf(stderr, "netfault-queue: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (queue_number < 0 || queue_number > 65535 || loss < 0 || loss > 1) {
        fprintf(stderr, "usage: netfault-queue -q QUEUE(0-65535) [-d DELAY_MS] [-l LOSS(0-1)] [-s SEED]\n");
        return 2;
    }
    srand48(seed);
    struct nfq_handle *library = nfq_open();
    if (!library) {
        fprintf(stderr, "netfault-queue: cannot open nfnetlink_queue: %s\n", strerror(errno));
        return 1;
    }
    queue_handle = nfq_create_queue(library, (uint16_t)queue_number, on_packet, NULL);
    if (!queue_handle) {
        fprintf(stderr, "netfault-queue: cannot bind queue %d: %s (another listener, or no CAP_NET_ADMIN)\n", queue_number, strerror(errno));
        return 1;
    }
    // Only the verdict is needed, not the payload.
    if (nfq_set_mode(queue_handle, NFQNL_COPY_META, 0) < 0 || nfq_set_queue_maxlen(queue_handle, CAPACITY) < 0) {
        fprintf(stderr, "netfault-queue: cannot configure queue %d: %s\n", queue_number, strerror(errno));
        return 1;
    }
    int descriptor = nfq_fd(library);
    // A lost netlink message would strand its packet in the kernel: give the socket room.
    nfnl_rcvbufsiz(nfq_nfnlh(library), 16 << 20);
    printf("ready\n");
    fflush(stdout);

    char buffer[65536];
    struct pollfd watched[2] = {{descriptor, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    for (;;) {
        int timeout = -1;
        if (count > 0) {
            uint64_t now = now_ns();
            uint64_t due = ring[head].release_ns;
            timeout = due <= now ? 0 : (int)((due - now + 999999) / 1000000);
        }
        int ready = poll(watched, 2, timeout);
        if (ready < 0 && errno != EINTR) break;
        if (ready > 0 && (watched[1].revents & (POLLIN | POLLHUP))) {
            char scratch[256];
            if (read(STDIN_FILENO, scratch, sizeof(scratch)) <= 0) break;
        }
        if (ready > 0 && (watched[0].revents & POLLIN)) {
            // Drain everything pending without blocking.
            for (;;) {
                ssize_t received = recv(descriptor, buffer, sizeof(buffer), MSG_DONTWAIT);
                if (received < 0) {
                    if (errno == ENOBUFS) {
                        fprintf(stderr, "netfault-queue: netlink overrun, packets stranded\n");
                        continue;
                    }
                    break;
                }
                nfq_handle_packet(library, buffer, (int)received);
            }
        }
        release_due();
    }
    // Let what is held go before unbinding, so closing the tool does not add loss.
    while (count > 0) {
        nfq_set_verdict(queue_handle, ring[head].id, NF_ACCEPT, 0, NULL);
        passed++;
        head = (head + 1) % CAPACITY;
        count--;
    }
    printf("passed %llu dropped %llu overflowed %llu\n", passed, dropped, overflowed);
    fflush(stdout);
    nfq_destroy_queue(queue_handle);
    nfq_close(library);
    return 0;
}
