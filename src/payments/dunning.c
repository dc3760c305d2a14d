/*
 * dunning.c — the order of the supply-stop warning steps (督促の手順), the
 * pure part of dunning (dunning_store.c records them).
 *
 * A case runs 督促状 (reminder) → 催告 (demand) → 供給停止予告
 * (stop_notice) → 供給停止 (stopped) → 供給再開 (resumed), one step after
 * the other, never skipping one: stopping a household's gas is a safety
 * matter (the appliances must be checked when it is resumed), so the
 * customer must have been warned in writing, told the date, and the stop
 * itself is a person's act on site, recorded by that person. Until the
 * supply is stopped a case may end as resolved (解決: paid, or a payment
 * plan agreed); after a stop only resumed ends it. The next overdue
 * starts a new case with a reminder. Nothing in pilotlight takes a step
 * by itself.
 */
#include "payments/payments.h"

#include <string.h>

static const struct {
    const char *name, *label;
} steps[] = {
    [DUNNING_NONE] = {"none", "なし"},
    [DUNNING_REMINDER] = {"reminder", "督促状"},
    [DUNNING_DEMAND] = {"demand", "催告"},
    [DUNNING_STOP_NOTICE] = {"stop_notice", "供給停止予告"},
    [DUNNING_STOPPED] = {"stopped", "供給停止"},
    [DUNNING_RESUMED] = {"resumed", "供給再開"},
    [DUNNING_RESOLVED] = {"resolved", "解決"},
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

const char *
dunning_step_name(enum dunning_step s)
{
    return (unsigned)s < NSTEPS ? steps[s].name : "";
}

const char *
dunning_step_label(enum dunning_step s)
{
    return (unsigned)s < NSTEPS ? steps[s].label : "";
}

bool
dunning_step_parse(const char *s, enum dunning_step *out)
{
    for (size_t i = 1; s && i < NSTEPS; i++)
        if (!strcmp(s, steps[i].name)) {
            *out = (enum dunning_step)i;
            return true;
        }
    return false;
}

bool
dunning_step_ends_case(enum dunning_step s)
{
    return s == DUNNING_RESUMED || s == DUNNING_RESOLVED;
}

bool
dunning_step_allowed(enum dunning_step last, enum dunning_step next)
{
    switch (last) {
    case DUNNING_NONE:
    case DUNNING_RESUMED:
    case DUNNING_RESOLVED:
        return next == DUNNING_REMINDER;
    case DUNNING_REMINDER:
    case DUNNING_DEMAND:
    case DUNNING_STOP_NOTICE: /* the next step, or resolved */
        return next == last + 1 || next == DUNNING_RESOLVED;
    case DUNNING_STOPPED:
        return next == DUNNING_RESUMED;
    }
    return false;
}

void
dunning_next_steps(enum dunning_step last, const char *out[4])
{
    size_t n = 0;
    for (size_t i = 1; i < NSTEPS && n < 3; i++)
        if (dunning_step_allowed(last, (enum dunning_step)i))
            out[n++] = steps[i].name;
    out[n] = NULL;
}
