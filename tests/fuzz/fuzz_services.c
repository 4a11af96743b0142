/*
 * libFuzzer harness for init's configuration: any bytes as /etc/services.toml go through the
 * TOML parser, the schema checks and the dependency graph without crashing or leaking.
 */
#include <stddef.h>
#include <stdint.h>

#include "os/init/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct init_config cfg;
    struct init_diag diags[8];
    uint32_t order[INIT_MAX_SERVICES];
    if (init_config_parse(&cfg, (const char *)data, size, diags, 8) == 0) {
        init_graph_check(&cfg, order, diags, 8);
        init_config_free(&cfg);
    }
    return 0;
}
