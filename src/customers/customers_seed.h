/*
 * customers_seed.h — the customers seed module's word lists (seed data
 * only; see customers_seed_data.c).
 */
#ifndef PL_CUSTOMERS_CUSTOMERS_SEED_H
#define PL_CUSTOMERS_CUSTOMERS_SEED_H

#include <stddef.h>

/* A word and its reading in katakana. Lists end with {NULL, NULL}. */
struct kana_word {
    const char *word, *kana;
};

/* A business name: before + family name + after, with readings. */
struct business_shape {
    const char *before, *after, *before_kana, *after_kana;
};

extern const struct kana_word seed_families[];
extern const struct kana_word seed_given_male[];
extern const struct kana_word seed_given_female[];
extern const struct business_shape seed_business[];
extern const char *const seed_cities[47][4];
extern const char *const seed_towns[];        /* NULL-ended */
extern const char seed_postal_prefix[47][3];  /* first two digits */
extern const char *const seed_area_codes[47]; /* landline, with 0 */
extern const char *const seed_meter_makers[]; /* NULL-ended */
extern const char *const seed_heater_makers[];
extern const char *const seed_bank_codes[];

#endif
