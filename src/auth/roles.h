/*
 * roles.h — roles (役割) and what each may do.
 *
 * Least privilege, deny by default: a route names the permission it needs
 * (struct route.perm) and only roles whose row lists that permission pass.
 * Permissions are "<area>.<verb>" strings; a module adds its permissions to
 * the rows here when it adds routes. Special route markers:
 *   NULL          public (health, sign-in itself)
 *   "session"     any signed-in user with a completed second factor
 *   "auth.mfa"    a session that passed the password and awaits the TOTP
 *   "auth.enroll" a session that must set up its second factor first
 *   "auth.any"    any session at any stage (sign-out)
 */
#ifndef PL_AUTH_ROLES_H
#define PL_AUTH_ROLES_H

#include <stdbool.h>

#define PERM_SESSION "session"
#define PERM_MFA     "auth.mfa"
#define PERM_ENROLL  "auth.enroll"
#define PERM_ANY     "auth.any"
/* The same stages for platform operators' own routes (/api/v1/operator). */
#define PERM_OP_SESSION "op.session"
#define PERM_OP_MFA     "op.mfa"
#define PERM_OP_ENROLL  "op.enroll"
#define PERM_OP_ANY     "op.any"

/* True when role is one of the seven ("admin", "office", …). */
bool role_valid(const char *role);
/* Japanese label ("管理者", "事務", "検針員", …); "" for unknown. */
const char *role_label_ja(const char *role);
/* True when role holds permission perm. */
bool role_allows(const char *role, const char *perm);
/* Every permission a route may name, NULL-ended (for API token scopes). */
extern const char *const perm_names[];
/* True when perm is one of perm_names. */
bool perm_known(const char *perm);
/* The role names, NULL-ended, in display order. */
extern const char *const role_names[];

#endif
