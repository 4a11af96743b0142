/*
 * Capability names of services.toml to rights (the table is veridian/caps.h).
 */
#include <string.h>

#include "os/init/svc.h"
#include "veridian/caps.h"

int init_cap_rights(const char *name, uint32_t *rights)
{
    for (size_t i = 0; i < VK_CAP_COUNT; i++) {
        if (!strcmp(vk_cap_names[i].name, name)) {
            *rights = vk_cap_names[i].rights;
            return 0;
        }
    }
    return -1;
}
