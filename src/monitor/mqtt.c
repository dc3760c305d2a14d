/*
 * mqtt.c — `pilotlight ingest --mqtt HOST:PORT`: the same signed batches
 * as POST /v1/batches, taken from an MQTT broker (Debian's mosquitto).
 *
 * Topics (docs/ingest-api.md, "MQTT"):
 *   pl/v1/<device_id>/batch    device → ingest, QoS 1: a signed batch
 *   pl/v1/<device_id>/ack      ingest → device, QoS 1: the answer
 *   pl/v1/<device_id>/command  ingest → device, QoS 1: remote operations
 *                              (remote_deliver.c)
 *
 * The payload of a batch is the signed-batch envelope, three parts
 * separated by single line feeds:
 *
 *   <X-Timestamp>\n<X-Signature>\n<body>
 *
 * exactly the values of the HTTP headers and the HTTP body, so the
 * signature is computed the same way (HMAC-SHA256(key, ts "\n" body)) and
 * the payload is the signed bytes with the signature inserted after the
 * first line. MQTT 3.1.1 suffices; no v5 user properties are needed.
 *
 * Each batch goes through ingest_batch_accept() (ingest_api.c), the one
 * pipeline of HTTP batches: registry, signature, timestamp window, schema,
 * replay cache, group-commit writer. The answer — the HTTP 200 body, or
 * {"status", "code", "title", "detail"} for a refusal — is published on
 * the ack topic only after the writer's fdatasync: a device counts a
 * batch as delivered when its ack arrives, never on the broker's PUBACK
 * (which only says the broker has it). A refused batch with a topic that
 * names no well-formed device id gets no answer.
 *
 * Threading: libmosquitto's own thread (mosquitto_loop_start) runs the
 * network loop, reconnects with backoff (1–30 s) and calls on_message,
 * which waits for the writer; batches from MQTT are therefore handled one
 * at a time (each still shares its fsync with concurrent HTTP batches).
 * The session is persistent (clean_session false, --mqtt-client id): QoS
 * 1 batches published while ingest is away are kept by the broker.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "monitor/ingest_int.h"
#include "monitor/remote_ops.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MQTT_TOPIC_BATCH "pl/v1/+/batch"
#define MQTT_KEEPALIVE_S 30

static struct mosquitto *mq;
static atomic_bool mq_connected;

/* The device id of "pl/v1/<id>/batch" into id; false when malformed. */
static bool
topic_device(const char *topic, char id[DEVICE_ID_MAX + 1])
{
    const char *p = topic, *end;
    if (strncmp(p, "pl/v1/", 6) != 0)
        return false;
    p += 6;
    end = strchr(p, '/');
    if (!end || strcmp(end, "/batch") != 0 || end == p ||
        (size_t)(end - p) > DEVICE_ID_MAX)
        return false;
    memcpy(id, p, (size_t)(end - p));
    id[end - p] = '\0';
    return monitor_device_id_valid(id);
}

/* Split "ts\nsig\nbody" in place (payload is NUL-terminated by
 * libmosquitto). False when it is not the envelope. */
static bool
envelope_split(char *payload, size_t n, struct batch_in *in)
{
    char *nl1 = memchr(payload, '\n', n > 16 ? 16 : n);
    if (!nl1)
        return false;
    char *sig = nl1 + 1;
    size_t rest = n - (size_t)(sig - payload);
    char *nl2 = memchr(sig, '\n', rest > 80 ? 80 : rest);
    if (!nl2)
        return false;
    *nl1 = *nl2 = '\0';
    in->ts = payload;
    in->sig = sig;
    in->body = nl2 + 1;
    in->len = n - (size_t)(in->body - payload);
    return true;
}

static void
ack_publish(const char *device_id, const char *json, size_t len)
{
    char topic[DEVICE_ID_MAX + 16];
    snprintf(topic, sizeof(topic), "pl/v1/%s/ack", device_id);
    if (!mqtt_publish(topic, json, len))
        log_msg(LOG_WARN, "mqtt.ack_lost", "%s: the answer could not be queued",
                device_id);
}

static void
ack_refusal(const char *device_id, enum err rc, const struct jcheck *k)
{
    json_t *j =
        json_pack("{s:i, s:s, s:s, s:s}", "status", err_http_status(rc), "code",
                  err_code(rc), "title", err_title(rc), "detail", err_detail());
    if (rc == ERR_INGEST_BATCH_INVALID && k->errors)
        json_object_set(j, "errors", k->errors);
    char *text = json_dumps(j, JSON_COMPACT);
    ack_publish(device_id, text, strlen(text));
    free(text);
    json_decref(j);
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
    char id[DEVICE_ID_MAX + 1];
    struct batch_in in = {0};
    struct jcheck k;
    struct buf out;
    (void)m;
    (void)arg;
    err_clear();
    if (!topic_device(msg->topic, id)) {
        log_msg(LOG_INFO, "mqtt.refused", "topic %.80s: not pl/v1/<id>/batch",
                msg->topic);
        return;
    }
    if (msg->payloadlen <= 0 ||
        (size_t)msg->payloadlen > BATCH_BODY_MAX + 128) {
        err_fail(ERR_HTTP_BODY_TOO_LARGE, "a batch is at most 1 MiB");
        jcheck_init(&k);
        ack_refusal(id, ERR_HTTP_BODY_TOO_LARGE, &k);
        jcheck_free(&k);
        return;
    }
    char *copy = xmalloc((size_t)msg->payloadlen + 1);
    memcpy(copy, msg->payload, (size_t)msg->payloadlen);
    copy[msg->payloadlen] = '\0';
    in.device_id = id;
    jcheck_init(&k);
    buf_init(&out, 64u << 20);
    enum err rc = envelope_split(copy, (size_t)msg->payloadlen, &in)
                      ? ingest_batch_accept(&in, &k, &out)
                      : err_fail(ERR_MQTT_ENVELOPE,
                                 "the payload must be <X-Timestamp> LF "
                                 "<X-Signature> LF <body>");
    if (!rc) {
        remote_deliver_mqtt_seen(id);
        ack_publish(id, out.data, out.len);
    } else
        ack_refusal(id, rc, &k);
    buf_free(&out);
    jcheck_free(&k);
    free(copy);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
    (void)arg;
    if (rc != 0) {
        log_msg(LOG_WARN, "mqtt.connect_refused", "broker: %s",
                mosquitto_connack_string(rc));
        return;
    }
    int sub = mosquitto_subscribe(m, NULL, MQTT_TOPIC_BATCH, 1);
    atomic_store(&mq_connected, sub == MOSQ_ERR_SUCCESS);
    log_msg(sub ? LOG_ERROR : LOG_INFO, "mqtt.connected", "subscribe %s: %s",
            MQTT_TOPIC_BATCH, mosquitto_strerror(sub));
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc)
{
    (void)m;
    (void)arg;
    atomic_store(&mq_connected, false);
    if (rc != 0)
        log_msg(LOG_WARN, "mqtt.disconnected",
                "lost the broker (%s); reconnecting", mosquitto_strerror(rc));
}

static enum err
hostport_parse(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long p = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == s || (size_t)(colon - s) >= cap || *end || p < 1 ||
        p > 65535)
        return err_fail(ERR_CONFIG, "--mqtt %s: give HOST:PORT", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (int)p;
    return ERR_OK;
}

enum err
mqtt_start(const char *hostport)
{
    char host[256];
    int port = 0;
    enum err rc = hostport_parse(hostport, host, sizeof(host), &port);
    if (rc)
        return rc;
    mosquitto_lib_init();
    mq = mosquitto_new(ingest_g.o->mqtt_client, false, NULL);
    if (!mq)
        return err_fail(ERR_CONFIG, "--mqtt: cannot make a client");
    mosquitto_connect_callback_set(mq, on_connect);
    mosquitto_disconnect_callback_set(mq, on_disconnect);
    mosquitto_message_callback_set(mq, on_message);
    mosquitto_reconnect_delay_set(mq, 1, 30, true);
    /* asynchronous: a broker that is not up yet is retried, not fatal */
    int m = mosquitto_connect_async(mq, host, port, MQTT_KEEPALIVE_S);
    if (m != MOSQ_ERR_SUCCESS && m != MOSQ_ERR_ERRNO)
        return err_fail(ERR_CONFIG, "--mqtt %s: %s", hostport,
                        mosquitto_strerror(m));
    m = mosquitto_loop_start(mq);
    if (m != MOSQ_ERR_SUCCESS)
        return err_fail(ERR_CONFIG, "--mqtt: %s", mosquitto_strerror(m));
    log_msg(LOG_INFO, "mqtt.started", "broker %s, topic %s", hostport,
            MQTT_TOPIC_BATCH);
    return ERR_OK;
}

void
mqtt_stop(void)
{
    if (!mq)
        return;
    mosquitto_disconnect(mq);
    mosquitto_loop_stop(mq, false);
    mosquitto_destroy(mq);
    mq = NULL;
    mosquitto_lib_cleanup();
}

bool
mqtt_publish(const char *topic, const char *payload, size_t len)
{
    if (!mq || !atomic_load(&mq_connected))
        return false;
    return mosquitto_publish(mq, NULL, topic, (int)len, payload, 1, false) ==
           MOSQ_ERR_SUCCESS;
}
