// librdkafka (Debian librdkafka-dev) as a Swift module. Only non-variadic entry points are used
// from Swift (rd_kafka_produceva instead of rd_kafka_producev), so no C shim is needed.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
