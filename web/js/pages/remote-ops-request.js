// remote-ops-request.js — the request of a remote shutoff or restore
// (遠隔遮断・遠隔復帰) of one smart meter, from 機器 (devices.js): the
// reason, and for a restore the confirmation that the customer has been
// reached and the leak check on restore is arranged. The server wants a
// fresh one-time code first (403 auth.step_up_required): the step-up
// prompt asks for it and the request is sent once more. The operation
// then waits for a second person's approval (remote-ops.js).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { form } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { dialog, withStepUp } from '../lib/ui.js';

// Resolves with the operation (status requested), or null.
export function requestDialog(device, action) {
  let done = null;
  let d = null;
  const restore = action === 'restore';
  const cancel = h('button', { type: 'button', onclick: () => d.close() }, t('common.cancel'));
  const fields = [
    { name: 'reason', label: t('remoteOps.f.reason'), required: true, maxlength: 200, wide: true,
      hint: t(`remoteOps.f.reasonHint.${action}`) },
  ];
  if (restore) {
    fields.push({ name: 'safety_confirmed', label: t('remoteOps.f.safetyConfirmed'), type: 'checkbox', wide: true });
  }
  const f = form({
    cls: 'remote-op-form', submitLabel: t(`remoteOps.submit.${action}`), busyLabel: t('remoteOps.sending'),
    actions: [cancel],
    onSubmit: async (v, fm) => {
      if (restore && !v.safety_confirmed) {
        fm.fields.get('safety_confirmed').setError(t('remoteOps.f.safetyNeeded'));
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        fm.fields.get('safety_confirmed').input.focus();
        return false;
      }
      const body = restore ? { reason: v.reason.trim(), safety_confirmed: true } : { reason: v.reason.trim() };
      const r = await withStepUp(() => api('POST',
        `/api/v1/devices/${encodeURIComponent(device.device_id)}/${action}`, body));
      if (!r) {
        fm.message('warn', h('p', {}, t('remoteOps.stepUpCancelled')));
        return false;
      }
      done = r.operation;
      d.close('ok');
      return true;
    },
    fields,
  });
  d = dialog({
    title: t(`remoteOps.title.${action}`, { id: device.device_id }), wide: true,
    body: [h('p', { class: restore ? 'hint' : 'warn-line' }, t(`remoteOps.intro.${action}`)),
           h('p', { class: 'hint' }, t('remoteOps.twoPeople')), f.el],
    onOpen: () => f.fields.get('reason').input.focus(),
  });
  d.el.querySelector(':scope > .actions').remove();
  return d.done.then(() => done);
}
