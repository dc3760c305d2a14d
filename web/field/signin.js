// signin.js — the field page's sign-in: tenant code, login ID and
// password, then the 6-digit one-time code (or a recovery code). A reader
// signing in for the first time sets up the authenticator app here
// (QR code, then the ten recovery codes once). Messages are the API's
// Japanese problem titles.
import { api, setCsrfToken } from '../js/lib/api.js';
import { clear, h } from './dom.js';

const OFFLINE_MSG =
  'サーバーに接続できません。電波の良い場所でもう一度お試しください。';

function problemText(e) {
  if (e.status === 0) return OFFLINE_MSG;
  const f = e.fieldErrors?.[0];
  return f?.message ? `${e.message}（${f.message}）` : e.message;
}

function field(label, attrs) {
  const input = h('input', { class: 'text', required: true, ...attrs });
  return { input, el: h('label', { class: 'field' }, h('span', {}, label), input) };
}

// A form with one submit button and an error line; run(values) is called
// on submit with the button disabled; its rejection is shown.
function form(root, title, intro, fields, button, run, extra = []) {
  const err = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, button);
  const f = h('form', { class: 'signin', novalidate: true },
    h('h2', {}, title), intro ? h('p', { class: 'hint' }, intro) : null,
    ...fields.map((x) => x.el), err, submit, ...extra);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    submit.disabled = true;
    try {
      await run();
    } catch (e) {
      err.textContent = problemText(e);
    } finally {
      submit.disabled = false;
    }
  });
  clear(root).append(f);
  (fields.find((x) => !x.input.value) || fields[0])?.input.focus();
  return f;
}

function codeField(label) {
  return field(label, {
    name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: 7, pattern: '[0-9 ]{6,7}', placeholder: '123456',
  });
}

function recoveryStep(root, done) {
  const code = field('回復コード', {
    name: 'recovery', autocomplete: 'off', autocapitalize: 'off',
    maxlength: 20, placeholder: 'xxxxx-xxxxx',
  });
  form(root, '回復コードでサインイン',
    '認証アプリが使えないときは、設定時に控えた回復コード（1 回限り）を入力します。',
    [code], 'サインイン', async () => {
      const r = await api('POST', '/api/v1/auth/recovery',
        { code: code.input.value.trim() });
      setCsrfToken(r.csrf);
      done();
    });
}

function codeStep(root, done) {
  const code = codeField('ワンタイムコード（6 桁）');
  const other = h('button', { type: 'button', class: 'link',
                              onclick: () => recoveryStep(root, done) },
                  '回復コードを使う');
  form(root, 'ワンタイムコード', '認証アプリに表示されている 6 桁の数字を入力してください。',
    [code], 'サインイン', async () => {
      const r = await api('POST', '/api/v1/auth/totp',
        { code: code.input.value.replace(/\s/g, '') });
      setCsrfToken(r.csrf);
      done();
    }, [other]);
}

function recoveryCodes(root, codes, done) {
  const ok = h('button', { type: 'button', class: 'primary', onclick: done },
               '控えました');
  clear(root).append(h('section', { class: 'signin' },
    h('h2', {}, '回復コード'),
    h('p', { class: 'hint' },
      '携帯電話をなくしたときに使います。紙に書き写して事務所で保管してください。この画面は二度と表示されません。'),
    h('ol', { class: 'codes' }, codes.map((c) => h('li', {}, c))), ok));
  ok.focus();
}

async function enrollStep(root, done) {
  const e = await api('GET', '/api/v1/auth/enroll');
  const code = codeField('表示された 6 桁のコード');
  const qr = h('img', {
    class: 'qr', alt: '認証アプリ用の QR コード',
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(e.qr_svg)}`,
  });
  const secret = h('p', { class: 'secret' }, '手入力用のキー: ',
    h('code', { id: 'enroll-secret' }, e.secret.replace(/(.{4})/g, '$1 ').trim()));
  form(root, '認証アプリの設定（初回のみ）',
    '認証アプリ（Google Authenticator など）で QR コードを読み取り、表示された 6 桁のコードを入力してください。',
    [code], '設定してサインイン', async () => {
      const r = await api('POST', '/api/v1/auth/enroll',
        { code: code.input.value.replace(/\s/g, '') });
      setCsrfToken(r.csrf);
      recoveryCodes(root, r.recovery_codes || [], done);
    }, []).insertBefore(h('div', { class: 'enroll' }, qr, secret),
                        code.el);
}

// Show the sign-in in root; resolves with GET /api/v1/auth/me once the
// session is full. prefill: { tenant, login } from the last sign-in;
// notice: why sign-in is asked for (e.g. the session ended).
export function signIn(root, { prefill = {}, notice = '' } = {}) {
  return new Promise((resolve) => {
    const done = async () => {
      const me = await api('GET', '/api/v1/auth/me');
      setCsrfToken(me.csrf);
      resolve(me);
    };
    const tenant = field('事業者コード', {
      name: 'tenant', autocomplete: 'organization', autocapitalize: 'off',
      maxlength: 20, value: prefill.tenant || null,
    });
    const login = field('ログイン ID', {
      name: 'login', autocomplete: 'username', autocapitalize: 'off',
      maxlength: 64, value: prefill.login || null,
    });
    const password = field('パスワード', {
      name: 'password', type: 'password', autocomplete: 'current-password',
      maxlength: 256,
    });
    const f = form(root, '検針 — サインイン', notice,
      [tenant, login, password], '次へ', async () => {
        const r = await api('POST', '/api/v1/auth/login', {
          tenant: tenant.input.value.trim(),
          login_id: login.input.value.trim(),
          password: password.input.value,
        });
        setCsrfToken(r.csrf);
        localStorage.setItem('field.signin', JSON.stringify({
          tenant: tenant.input.value.trim(), login: login.input.value.trim(),
        }));
        if (r.stage === 'full') await done();
        else if (r.stage === 'enroll') await enrollStep(root, done);
        else codeStep(root, done);
      });
    if (notice) f.querySelector('.hint').classList.add('notice');
  });
}
