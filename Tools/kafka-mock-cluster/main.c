// kafka-mock-cluster: a Kafka protocol peer for tests and benchmarks, built on librdkafka's mock
// cluster (real TCP sockets on 127.0.0.1 ephemeral ports; no Kafka broker package exists here).
//
// Usage: kafka-mock-cluster [-b BROKERS] [-t TOPIC:PARTITIONS]...
// Prints "bootstrap <host:port,...>" and then "ready" on stdout, then reads commands from stdin,
// one per line, answering "ok" or "error <reason>" to each:
//   down <broker|-1>                     disconnect a broker (-1: all) and refuse new connections
//   up <broker|-1>                       accept connections again
//   errors <ApiKey> <count> <err>...     fail the next <count> requests of ApiKey with these codes
//   rtt <broker|-1> <ms>                 delay every response of a broker
//   topic <name> <partitions>            create a topic
//   quit                                 exit
// Exits when stdin closes, so a test that dies takes the cluster with it.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int create_topic(rd_kafka_mock_cluster_t *cluster, const char *spec) {
    char name[512];
    const char *colon = strrchr(spec, ':');
    int partitions = 1;
    size_t length = colon ? (size_t)(colon - spec) : strlen(spec);
    if (length == 0 || length >= sizeof(name)) return -1;
    memcpy(name, spec, length);
    name[length] = 0;
    if (colon) partitions = atoi(colon + 1);
    if (partitions < 1) return -1;
    return rd_kafka_mock_topic_create(cluster, name, partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

static void answer(int ok, const char *reason) {
    if (ok) printf("ok\n");
    else printf("error %s\n", reason);
    fflush(stdout);
}

int main(int argc, char **argv) {
    int brokers = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) brokers = atoi(argv[++i]);
    }
    if (brokers < 1) {
        fprintf(stderr, "kafka-mock-cluster: -b needs a positive broker count\n");
        return 2;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    // The handle only hosts the cluster; keep its own logging quiet.
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!handle) {
        fprintf(stderr, "kafka-mock-cluster: cannot create the host handle: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(handle, brokers);
    if (!cluster) {
        fprintf(stderr, "kafka-mock-cluster: cannot create a %d-broker mock cluster\n", brokers);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc && create_topic(cluster, argv[++i]) != 0) {
            fprintf(stderr, "kafka-mock-cluster: cannot create topic %s (use NAME:PARTITIONS)\n", argv[i]);
            return 2;
        }
    }
    printf("bootstrap %s\nready\n", rd_kafka_mock_cluster_bootstraps(cluster));
    fflush(stdout);

    char line[4096];
    while (fgets(line, sizeof(line), stdin)) {
        char *words[260];
        int count = 0;
        for (char *word = strtok(line, " \t\r\n"); word && count < 260; word = strtok(NULL, " \t\r\n")) words[count++] = word;
        if (count == 0) continue;
        if (strcmp(words[0], "quit") == 0) break;
        if ((strcmp(words[0], "down") == 0 || strcmp(words[0], "up") == 0) && count == 2) {
            int32_t broker = atoi(words[1]);
            rd_kafka_resp_err_t err = words[0][0] == 'd' ? rd_kafka_mock_broker_set_down(cluster, broker)
                                                         : rd_kafka_mock_broker_set_up(cluster, broker);
            answer(err == RD_KAFKA_RESP_ERR_NO_ERROR, rd_kafka_err2name(err));
        } else if (strcmp(words[0], "errors") == 0 && count >= 3) {
            int16_t api_key = (int16_t)atoi(words[1]);
            int errors = atoi(words[2]);
            if (errors < 1 || errors != count - 3) {
                answer(0, "errors needs <ApiKey> <count> and exactly <count> error codes");
                continue;
            }
            rd_kafka_resp_err_t codes[256];
            for (int i = 0; i < errors; i++) codes[i] = (rd_kafka_resp_err_t)atoi(words[3 + i]);
            rd_kafka_mock_push_request_errors_array(cluster, api_key, (size_t)errors, codes);
            answer(1, "");
        } else if (strcmp(words[0], "rtt") == 0 && count == 3) {
            rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(cluster, atoi(words[1]), atoi(words[2]));
            answer(err == RD_KAFKA_RESP_ERR_NO_ERROR, rd_kafka_err2name(err));
        } else if (strcmp(words[0], "topic") == 0 && count == 3) {
            char spec[600];
            snprintf(spec, sizeof(spec), "%s:%s", words[1], words[2]);
            answer(create_topic(cluster, spec) == 0, "cannot create topic");
        } else {
            answer(0, "unknown command");
        }
    }
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
    return 0;
}
