// The review panel's page: the evidence is already rendered by the host; this only sends the
// decision (with the comment) and shows the host's answer. No data is read from the page but the comment.
(function () {
  const vscode = acquireVsCodeApi();
  const approve = document.getElementById('approve');
  const reject = document.getElementById('reject');
  const comment = document.getElementById('comment');
  const status = document.getElementById('status');
  const buttons = [approve, reject];

  function busy(on) {
    for (const b of buttons) b.disabled = on;
    comment.readOnly = on;
  }
  function decide(decision) {
    busy(true);
    status.className = '';
    status.textContent = decision === 'approve' ? 'Approving…' : 'Rejecting…';
    vscode.postMessage({ type: 'decide', decision, comment: comment.value });
  }
  approve.addEventListener('click', () => decide('approve'));
  reject.addEventListener('click', () => decide('reject'));
  window.addEventListener('message', event => {
    const m = event.data;
    if (!m || typeof m.type !== 'string') return;
    if (m.type === 'error') {
      busy(false);
      status.className = 'error';
      status.textContent = m.message;
    } else if (m.type === 'decided') {
      busy(true);
      status.className = '';
      status.textContent = m.message;
    }
  });
  // Focus without scrolling: the evidence is read from the top.
  (document.body.dataset.focus === 'reject' ? reject : approve).focus({ preventScroll: true });
})();
