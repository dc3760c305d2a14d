// signin.js — the console's sign-in: 事業者コード, ログイン ID and password,
// then the 6-digit one-time code (or a recovery code). A user signing in for
// the first time sets up the authenticator app here: the QR code (the API's
// SVG of the otpauth URI) and the key for typing by hand, then the ten
// recovery codes, shown once, to be confirmed as saved before going on.
//
// Refusals say what to do: a lock (423 auth.locked) or too many attempts
// (429 auth.rate_limited) count down the API's Retry-After on the button;
// a used code asks to wait for the next one. Sign-in's own requests are
// "quiet": their 401s are answers, not a lost session.
import { api, ApiError, setCsrfToken } from '../lib/api.js';
import { clear, fill, h, uid } from '../lib/dom.js';
import { formatDate } from '../lib/format.js';
import { lang, problemText, setLang, t } from '../lib/i18n.js';
import { lastSignIn, rememberSignIn } from '../lib/session.js';

const QUIET = { quiet: true };

function input(label, attrs, hint) {
  const id = uid('si');
  const errId = `${id}-err`;
  const el = h('input', { id, class: 'text', 'aria-describedby': errId, ...attrs });
  const err = h('p', { id: errId, class: 'field-error' });
  return {
    input: el, err,
    el: h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), el,
          hint ? h('p', { class: 'hint' }, hint) : null, err),
    setError(m) {
      err.textContent = m || '';
      if (m) el.setAttribute('aria-invalid', 'true');
      else el.removeAttribute('aria-invalid');
    },
  };
}

function codeInput(label) {
  return input(label, { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
                        maxlength: 7, placeholder: '123456', class: 'text code-input' });
}

// What to say for a refusal, and for how many seconds to hold the button.
function refusal(e) {
  let text = problemText(e);
  let wait = 0;
  if (e.code === 'auth.locked') {
    wait = e.retryAfter ?? 0;
    text = wait > 60 ? t('signin.lockedMinutes', { n: Math.ceil(wait / 60) })
                     : t('signin.lockedSeconds', { n: Math.max(1, wait) });
  } else if (e.code === 'auth.rate_limited') {
    wait = e.retryAfter ?? 30;
    text = t('signin.rateLimited', { n: wait });
  }
  return { text, wait };
}

// A sign-in step: a card with a title, an intro, fields, a message line
// and a submit button; run() is called on submit; its ApiError is shown
// (field errors at the field, the rest in the message line).
function step(root, { title, intro, fields, button, run, extra = [], fieldMap = {} }) {
  const msg = h('div', { class: 'form-msg', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, button);
  const f = h('form', { class: 'signin-card', novalidate: true },
    h('h2', { tabindex: '-1' }, title), intro ? h('p', { class: 'hint intro' }, intro) : null,
    fields.map((x) => x.el), msg, submit, extra);
  let countdown = 0;
  const hold = (secs) => {
    clearInterval(countdown);
    let left = secs;
    submit.disabled = true;
    const tick = () => {
      if (left <= 0 || !f.isConnected) {
        clearInterval(countdown);
        submit.disabled = false;
        submit.textContent = button;
        return;
      }
      submit.textContent = t('signin.waitButton', { n: left });
      left -= 1;
    };
    tick();
    countdown = setInterval(tick, 1000);
  };
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    msg.className = 'form-msg';
    for (const x of fields) x.setError('');
    const empty = fields.filter((x) => !x.input.value.trim());
    if (empty.length) {
      for (const x of empty) x.setError(t('form.requiredField'));
      empty[0].input.focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    submit.textContent = t('common.checking');
    let wait = 0;
    try {
      await run();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const r = refusal(e);
      wait = r.wait;
      let atField = false;
      for (const fe of e.fieldErrors) {
        const x = fields.find((y) => y.input.name === (fieldMap[fe.field] || fe.field));
        if (x) { x.setError(fe.message); atField = true; }
      }
      msg.className = 'form-msg error';
      msg.append(h('p', {}, r.text));
      const target = atField ? fields.find((x) => x.input.getAttribute('aria-invalid'))
                             : fields[fields.length - 1];
      target?.input.focus();
      target?.input.select?.();
    } finally {
      submit.removeAttribute('aria-busy');
      if (f.isConnected) {
        if (wait > 0) hold(wait);
        else { submit.disabled = false; submit.textContent = button; }
      }
    }
  });
  fill(root, f);
  (fields.find((x) => !x.input.value) || fields[0])?.input.focus();
  return { form: f, msg };
}

function recoveryCodes(root, codes, done) {
  const saved = h('input', { type: 'checkbox', id: 'codes-saved' });
  const next = h('button', { type: 'button', class: 'primary wide', disabled: true, onclick: done },
                 t('signin.codesContinue'));
  saved.addEventListener('change', () => { next.disabled = !saved.checked; });
  const print = h('button', { type: 'button', onclick: () => window.print() }, t('signin.codesPrint'));
  fill(root, h('section', { class: 'signin-card codes-card' },
    h('h2', { tabindex: '-1' }, t('signin.codesTitle')),
    h('p', { class: 'hint intro' }, t('signin.codesIntro')),
    h('ol', { class: 'codes', 'aria-label': t('signin.codesTitle') }, codes.map((c) => h('li', {}, h('code', {}, c)))),
    h('p', { class: 'warn-line' }, t('signin.codesOnce')),
    h('div', { class: 'actions left' }, print),
    h('div', { class: 'field check' }, saved, h('label', { for: 'codes-saved' }, t('signin.codesSaved'))),
    next));
  root.querySelector('h2').focus();
}

async function enrollStep(root, done, restart, base) {
  const e = await api('GET', `${base}/enroll`, undefined, QUIET);
  const code = codeInput(t('signin.enrollCode'));
  const qr = h('img', { class: 'qr', width: 200, height: 200, alt: t('signin.qrAlt'),
                        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(e.qr_svg)}` });
  const key = h('p', { class: 'secret' }, t('signin.manualKey'), ' ',
    h('code', { id: 'enroll-secret' }, e.secret.replace(/(.{4})/g, '$1 ').trim()));
  step(root, {
    title: t('signin.enrollTitle'), intro: t('signin.enrollIntro'),
    fields: [code], button: t('signin.enrollSubmit'),
    extra: [h('button', { type: 'button', class: 'link', onclick: restart }, t('signin.restart'))],
    run: async () => {
      const r = await api('POST', `${base}/enroll`, { code: code.input.value.replace(/\s/g, '') }, QUIET);
      setCsrfToken(r.csrf);
      recoveryCodes(root, r.recovery_codes || [], done);
    },
  }).form.insertBefore(h('div', { class: 'enroll' }, qr, key), code.el);
}

function recoveryStep(root, done, restart, base) {
  const code = input(t('signin.recoveryCode'), { name: 'code', autocomplete: 'off', autocapitalize: 'off',
                                                  maxlength: 20, placeholder: 'xxxxx-xxxxx' });
  step(root, {
    title: t('signin.recoveryTitle'), intro: t('signin.recoveryIntro'),
    fields: [code], button: t('signin.submit'),
    extra: [h('button', { type: 'button', class: 'link', onclick: restart }, t('signin.restart'))],
    run: async () => {
      const r = await api('POST', `${base}/recovery`, { code: code.input.value.trim() }, QUIET);
      setCsrfToken(r.csrf);
      await done();
    },
  });
}

function codeStep(root, done, restart, base) {
  const code = codeInput(t('signin.code'));
  step(root, {
    title: t('signin.codeTitle'), intro: t('signin.codeIntro'),
    fields: [code], button: t('signin.submit'),
    extra: [h('div', { class: 'links' },
      h('button', { type: 'button', class: 'link', onclick: () => recoveryStep(root, done, restart, base) },
        t('signin.useRecovery')),
      h('button', { type: 'button', class: 'link', onclick: restart }, t('signin.restart')))],
    run: async () => {
      const r = await api('POST', `${base}/totp`, { code: code.input.value.replace(/\s/g, '') }, QUIET);
      setCsrfToken(r.csrf);
      await done();
    },
  });
}

// The service's state under the form (the page that used to be the status
// page): version, business date, and whether the stores answer.
async function serviceLine(el) {
  try {
    const meta = await api('GET', '/api/v1/meta', undefined, QUIET);
    let ready = true;
    try { await api('GET', '/readyz', undefined, QUIET); } catch { ready = false; }
    fill(el, h('span', { class: ready ? 'ok' : 'bad', id: 'service-state' }, t(ready ? 'status.ready' : 'status.notReady')),
         ' · ', t('status.version'), ' ', meta.version, ' · ', t('status.businessDate'), ' ', formatDate(meta.date_jst));
  } catch {
    fill(el, h('span', { class: 'bad', id: 'service-state' }, t('status.unreachable')));
  }
}

// Show the sign-in in root; resolves with GET /api/v1/auth/me once the
// session is full. notice: why sign-in is asked for (the session ended,
// signed out). onLang: the language was switched (re-render). operator:
// the platform operators' sign-in (/api/v1/operator/*, no 事業者コード;
// the platform console, web/platform), resolving with its /me.
export function signIn(root, { notice = '', noticeKind = 'info', onLang, operator = false } = {}) {
  const base = operator ? '/api/v1/operator' : '/api/v1/auth';
  return new Promise((resolve) => {
    const done = async () => {
      const me = await api('GET', `${base}/me`, undefined, QUIET);
      setCsrfToken(me.csrf);
      resolve(me);
    };
    const status = h('p', { class: 'service', role: 'status' });
    const card = h('div', { class: 'signin-slot' });
    const langBtn = h('button', { type: 'button', class: 'lang', id: 'lang',
                                  onclick: () => { setLang(lang() === 'ja' ? 'en' : 'ja'); onLang?.(); } },
                      t('common.switchLang'));
    fill(root, h('header', { class: 'signin-top' }, h('h1', { class: 'brand' }, 'pilotlight'),
                 h('span', { class: 'tagline' }, t(operator ? 'platform.tagline' : 'app.tagline')), langBtn),
         h('main', { class: 'signin-main', id: 'main' },
           notice ? h('p', { class: `notice ${noticeKind}`, role: 'status', id: 'signin-notice' }, notice) : null,
           card),
         h('footer', { class: 'signin-foot' }, status));
    serviceLine(status);
    const restart = () => {
      api('POST', `${base}/logout`, {}, QUIET).catch(() => {});
      first();
    };
    function first() {
      const prev = lastSignIn();
      const tenant = operator ? null : input(t('signin.tenant'), { name: 'tenant', autocomplete: 'organization', autocapitalize: 'off',
                                                 maxlength: 20, value: prev.tenant || null }, t('signin.tenantHint'));
      const login = input(t('signin.login'), { name: 'login_id', autocomplete: 'username', autocapitalize: 'off',
                                               maxlength: 64, value: (operator ? null : prev.login) || null });
      const password = input(t('signin.password'), { name: 'password', type: 'password',
                                                     autocomplete: 'current-password', maxlength: 256 });
      step(card, {
        title: t(operator ? 'platform.signinTitle' : 'signin.title'),
        intro: t(operator ? 'platform.signinIntro' : 'signin.intro'),
        fields: [tenant, login, password].filter(Boolean), button: t('signin.next'),
        run: async () => {
          const body = { login_id: login.input.value.trim(), password: password.input.value };
          if (tenant) body.tenant = tenant.input.value.trim();
          const r = await api('POST', `${base}/login`, body, QUIET);
          setCsrfToken(r.csrf);
          if (tenant) rememberSignIn(tenant.input.value.trim(), login.input.value.trim());
          if (r.stage === 'full') await done();
          else if (r.stage === 'enroll') await enrollStep(card, done, restart, base);
          else codeStep(card, done, restart, base);
        },
      });
    }
    first();
  });
}
