/*
 * static.c — the console's files from web/.
 *
 * Requests reach here already split into decoded segments with dot segments,
 * slashes, backslashes and control characters refused (router.c). On top of
 * that: hidden names (".git", ".env") are never served, the resolved real
 * path must lie inside the web root (so a symlink cannot lead out), and only
 * regular files are served (no directory listings).
 *
 * Files are revalidated on every use (Cache-Control: no-cache + ETag): the
 * console has no build step that fingerprints names, so this is what keeps a
 * retailer's browser from running yesterday's JavaScript against today's API.
 */
#include "core/arena.h"
#include "http/internal.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/vnd.microsoft.icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

/* The console's policy: no inline script, nothing from other origins. */
#define CSP                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; "                \
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "            \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

static const char *
content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* Join segments into a relative path; NULL when one is hidden or empty.
 * A trailing slash ("/", "/field/") names the folder's index.html. */
static char *
join(struct arena *a, char **segs, size_t nsegs)
{
    static char index[] = "index.html";
    if (nsegs == 1 && !segs[0][0])
        return arena_strdup(a, index);
    if (nsegs > 1 && !segs[nsegs - 1][0])
        segs[nsegs - 1] = index;
    size_t len = 0;
    for (size_t i = 0; i < nsegs; i++) {
        if (!segs[i][0] || segs[i][0] == '.')
            return NULL;
        len += strlen(segs[i]) + 1;
    }
    char *out = arena_alloc(a, len + 1);
    for (size_t i = 0; i < nsegs; i++) {
        if (i)
            strcat(out, "/");
        strcat(out, segs[i]);
    }
    return out;
}

/* Open rel under root if it really is a regular file inside root. */
static int
open_inside(const char *root, const char *rel, struct stat *st)
{
    char full[PATH_MAX], real[PATH_MAX];
    if ((size_t)snprintf(full, sizeof(full), "%s/%s", root, rel) >=
        sizeof(full))
        return -1;
    if (!realpath(full, real))
        return -1;
    size_t rl = strlen(root);
    bool inside = strncmp(real, root, rl) == 0 &&
                  (real[rl] == '/' || (rl == 1 && root[0] == '/'));
    if (!inside)
        return -1;
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

enum err
static_serve(struct req *r, const char *web_root, char **segs, size_t nsegs)
{
    char *rel = join(r->arena, segs, nsegs);
    struct stat st;
    int fd = rel ? open_inside(web_root, rel, &st) : -1;
    if (fd < 0)
        return err_fail(ERR_HTTP_NOT_FOUND, "no such file");
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
             (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st.st_mtim.tv_nsec);
    const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *resp;
    int status = MHD_HTTP_OK;
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                content_type(rel));
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (strcmp(content_type(rel), types[0].type) == 0)
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    if (r->resp)
        MHD_destroy_response(r->resp);
    r->resp = resp;
    r->status = status;
    return ERR_OK;
}
