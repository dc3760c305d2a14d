/*
 * tenants_seed.c — seed module: retailers across the 47 prefectures.
 *
 * Names follow the shapes LP gas retailers really carry: a place or family
 * name with ガス / プロパン / 燃料 / 石油 / 商店 / エネルギー, and a company
 * form (株式会社 before or after, 有限会社, 合同会社). Prefectures are drawn
 * with rough weights for where LP gas households are (many retailers in
 * rural prefectures, fewer per household in the cities). Codes are 0001,
 * 0002, … in creation order, as a retailer's login code would be.
 */
#include "core/xalloc.h"
#include "seed/seed.h"
#include "tenants/tenants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Three place names per prefecture, in JIS order (tenant_prefectures). */
static const char *const places[47][3] = {
    {"札幌", "旭川", "十勝"},     {"津軽", "八戸", "十和田"},
    {"盛岡", "花巻", "三陸"},     {"仙台", "石巻", "大崎"},
    {"秋田", "横手", "能代"},     {"山形", "庄内", "米沢"},
    {"会津", "郡山", "いわき"},   {"水戸", "常陸", "つくば"},
    {"宇都宮", "那須", "日光"},   {"前橋", "高崎", "桐生"},
    {"秩父", "川越", "熊谷"},     {"房総", "成田", "銚子"},
    {"多摩", "八王子", "青梅"},   {"相模", "湘南", "小田原"},
    {"越後", "長岡", "上越"},     {"富山", "高岡", "砺波"},
    {"加賀", "能登", "金沢"},     {"越前", "若狭", "敦賀"},
    {"甲府", "富士吉田", "峡東"}, {"信州", "松本", "佐久"},
    {"飛騨", "美濃", "大垣"},     {"駿河", "遠州", "伊豆"},
    {"三河", "尾張", "知多"},     {"伊勢", "伊賀", "鈴鹿"},
    {"近江", "湖東", "甲賀"},     {"丹後", "山城", "福知山"},
    {"泉州", "河内", "北摂"},     {"播磨", "但馬", "淡路"},
    {"大和", "吉野", "生駒"},     {"紀州", "有田", "田辺"},
    {"因幡", "伯耆", "米子"},     {"出雲", "石見", "松江"},
    {"備前", "美作", "倉敷"},     {"備後", "安芸", "呉"},
    {"周防", "長門", "下関"},     {"阿波", "鳴門", "美馬"},
    {"讃岐", "高松", "丸亀"},     {"伊予", "松山", "宇和島"},
    {"土佐", "四万十", "安芸"},   {"筑後", "筑豊", "北九州"},
    {"肥前", "唐津", "伊万里"},   {"島原", "佐世保", "五島"},
    {"肥後", "阿蘇", "天草"},     {"豊後", "別府", "日田"},
    {"日向", "都城", "延岡"},     {"薩摩", "大隅", "霧島"},
    {"琉球", "那覇", "名護"},
};

static const char *const families[] = {
    "佐藤", "鈴木", "高橋", "田中", "渡辺",   "伊藤",   "山本", "中村",
    "小林", "加藤", "吉田", "山田", "佐々木", "松本",   "井上", "木村",
    "斎藤", "清水", "山崎", "森",   "池田",   "橋本",   "阿部", "石川",
    "前田", "藤田", "小川", "岡田", "後藤",   "長谷川", "村上", "近藤",
    "石井", "坂本", "遠藤", "青木", "藤井",   "西村",   "福田", "太田",
};

/* A name is prefix + word + suffix; the word is a place or family name. */
static const struct {
    const char *prefix, *suffix;
    int family; /* 1: family name, 0: place name */
} shapes[] = {
    {"", "ガス株式会社", 0},         {"株式会社", "プロパン", 0},
    {"有限会社", "燃料店", 1},       {"", "石油株式会社", 1},
    {"株式会社", "商店", 1},         {"", "エネルギー株式会社", 0},
    {"有限会社", "ガス", 1},         {"", "液化ガス株式会社", 0},
    {"合同会社", "ガスサービス", 0}, {"株式会社", "産業", 1},
    {"", "プロパン有限会社", 1},     {"株式会社", "ライフガス", 0},
};

/* Relative weights for prefectures (rough share of LP gas retailers). */
static int
prefecture_weight(size_t i)
{
    static const unsigned char w[47] = {
        8, 3, 3, 4, 2, 3, 4, 6, 4, 4, 5, 5, 3, 4, 5, 2, 2, 2, 2, 5, 4, 7, 6, 3,
        2, 2, 3, 5, 2, 2, 1, 1, 3, 3, 3, 2, 2, 3, 2, 6, 2, 3, 4, 3, 3, 4, 2,
    };
    return w[i];
}

static size_t
pick_prefecture(struct rng *r)
{
    int total = 0;
    for (size_t i = 0; i < 47; i++)
        total += prefecture_weight(i);
    int x = (int)rng_below(r, (uint64_t)total);
    for (size_t i = 0; i < 47; i++) {
        x -= prefecture_weight(i);
        if (x < 0)
            return i;
    }
    return 46;
}

static void
make_name(struct rng *r, size_t pref, char *out, size_t n)
{
    size_t s = rng_below(r, sizeof(shapes) / sizeof(shapes[0]));
    const char *word =
        shapes[s].family
            ? families[rng_below(r, sizeof(families) / sizeof(families[0]))]
            : places[pref][rng_below(r, 3)];
    snprintf(out, n, "%s%s%s", shapes[s].prefix, word, shapes[s].suffix);
}

enum err
tenants_seed(struct seed_ctx *c)
{
    c->tenant_ids = xcalloc((size_t)c->tenants, sizeof(int64_t));
    for (long long i = 0; i < c->tenants; i++) {
        struct rng r;
        rng_init(&r, c->seed, "tenants", (uint64_t)i);
        size_t pref = pick_prefecture(&r);
        char code[8], name[256];
        snprintf(code, sizeof(code), "%04lld", i + 1);
        make_name(&r, pref, name, sizeof(name));
        struct tenant t;
        enum err rc = tenant_create(c->platform, c->data_dir, c->actor, code,
                                    name, tenant_prefectures[pref], &t);
        if (rc)
            return rc;
        c->tenant_ids[c->ntenant_ids++] = t.id;
        if (!c->quiet && (i + 1) % 100 == 0)
            fprintf(stderr, "seed: tenants %lld/%lld\n", i + 1, c->tenants);
    }
    return ERR_OK;
}
