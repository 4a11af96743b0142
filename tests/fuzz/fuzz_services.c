/*
 * libFuzzer harness for init's configuration: any bytes as /etc/services.toml go through the
 * TOML parser, the schema checks, the dependency graph and the user/group resolution (against
 * a fixed /etc/passwd and /etc/group) without crashing or leaking.
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
    static const char passwd[] = "root:x:0:0:root:/:/bin/vsh\nuser:x:1000:1000::/tmp:\n"
                                 "nobody:x:65534:65534:nobody:/:/bin/false\n";
    static const char group[] = "root:x:0:\nwheel:x:10:\nuser:x:1000:\n";
    if (init_config_parse(&cfg, (const char *)data, size, diags, 8) == 0) {
        init_graph_check(&cfg, order, diags, 8);
        init_users_resolve(&cfg, passwd, sizeof passwd - 1, group, sizeof group - 1, diags, 8);
        init_config_free(&cfg);
    }
    return 0;
}
