/* global document, fetch, URLSearchParams */
// Save-on-change for the quiz page (views/learning/quiz.ejs): each choice is sent to the server as it
// is made, so a reload, a lost connection or an idle sign-out loses nothing. The page works without
// this script: the form still submits every answer, and the one-question-per-page view saves on Next.
(function () {
  'use strict';
  var form = document.querySelector('form[data-save-url]');
  if (!form || typeof fetch !== 'function') return;
  var url = form.getAttribute('data-save-url');
  var tokenInput = form.querySelector('input[name="_csrf"]');
  var progress = document.getElementById('quiz-progress');
  var bar = document.querySelector('.quiz-progress progress');
  var problem = document.getElementById('quiz-save-problem');
  // One request at a time, in the order the choices were made: the last choice is the one kept.
  var queue = Promise.resolve();
  // How many choices are still on their way (also tells browser tests when every save has landed).
  var pending = 0;
  form.setAttribute('data-pending', '0');

  function showProblem(text, link) {
    problem.textContent = text + ' ';
    if (link) {
      var a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      problem.appendChild(a);
    }
    problem.hidden = false;
  }

  function save(name) {
    var body = new URLSearchParams();
    body.append('_csrf', tokenInput.value);
    body.append('question', name.slice(2));
    var inputs = form.querySelectorAll('input[type="radio"], input[type="checkbox"]');
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].name === name && inputs[i].checked) body.append(name, inputs[i].value);
    }
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(function (data) {
          if (res.ok) {
            problem.hidden = true;
            progress.textContent = data.progress;
            if (bar) bar.value = data.answered;
            form.setAttribute('data-saved', String(data.answered));
          } else if (res.status === 401) {
            showProblem(data.error, { href: data.signIn, text: 'Sign in again' });
          } else {
            showProblem(data.error || 'This answer could not be saved. Reload the page and choose it again.');
          }
        });
      })
      .catch(function () {
        showProblem('This answer could not be saved (no connection). It stays chosen on this page and is sent when you submit.');
      });
  }

  form.addEventListener('change', function (e) {
    var name = e.target && e.target.name;
    if (!name || name.indexOf('q_') !== 0) return;
    pending += 1;
    form.setAttribute('data-pending', String(pending));
    queue = queue.then(function () { return save(name); }).then(function () {
      pending -= 1;
      form.setAttribute('data-pending', String(pending));
    });
  });
})();
