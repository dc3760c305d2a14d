/*
 * roles.c — the role table.
 */
#include "auth/roles.h"

#include <stddef.h>
#include <string.h>

const char *const role_names[] = {"admin",    "office", "reader",
                                  "delivery", "safety", "accountant",
                                  "readonly", NULL};

const char *const perm_names[] = {
    "users.read",       "users.write",     "audit.read",
    "customers.read",   "customers.write", "customers.bank",
    "customers.export", "readings.read",   "readings.write",
    "readings.manage",  "billing.read",    "billing.write",
    "payments.read",    "payments.write",  "payments.debit_file",
    "devices.read",     "devices.write",   "devices.operate",
    "alarms.read",      "alarms.write",    NULL};

bool
perm_known(const char *perm)
{
    for (const char *const *p = perm_names; *p; p++)
        if (!strcmp(*p, perm))
            return true;
    return false;
}

static const struct {
    const char *role, *label;
    const char *const *perms; /* NULL-ended; "*" = every permission */
} roles[] = {
    {"admin", "管理者", (const char *const[]){"*", NULL}},
    {"office", "事務",
     (const char *const[]){
         "users.read", "audit.read", "customers.read", "customers.write",
         "customers.bank", "customers.export", "readings.read",
         "readings.write", "readings.manage", "billing.read", "billing.write",
         "payments.read", "payments.write", "devices.read", "devices.write",
         "alarms.read", "alarms.write", NULL}},
    {"reader", "検針員",
     (const char *const[]){"customers.read", "readings.read", "readings.write",
                           NULL}},
    {"delivery", "配送員",
     (const char *const[]){"customers.read", "readings.read", NULL}},
    {"safety", "保安",
     (const char *const[]){"customers.read", "readings.read", "devices.read",
                           "devices.operate", "alarms.read", "alarms.write",
                           NULL}},
    {"accountant", "経理",
     (const char *const[]){"audit.read", "customers.read", "customers.bank",
                           "customers.export", "readings.read", "billing.read",
                           "billing.write", "payments.read", "payments.write",
                           "payments.debit_file", NULL}},
    {"readonly", "閲覧のみ",
     (const char *const[]){"customers.read", "readings.read", "billing.read",
                           "payments.read", "devices.read", "alarms.read",
                           NULL}},
};

#define NROLES (sizeof(roles) / sizeof(roles[0]))

bool
role_valid(const char *role)
{
    return role && *role_label_ja(role);
}

const char *
role_label_ja(const char *role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (strcmp(roles[i].role, role) == 0)
            return roles[i].label;
    return "";
}

bool
role_allows(const char *role, const char *perm)
{
    for (size_t i = 0; i < NROLES; i++) {
        if (strcmp(roles[i].role, role) != 0)
            continue;
        for (const char *const *p = roles[i].perms; *p; p++)
            if (strcmp(*p, "*") == 0 || strcmp(*p, perm) == 0)
                return true;
        return false;
    }
    return false;
}
