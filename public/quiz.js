/* global document, fetch, URLSearchParams, window */
// Save-on-change for the quiz page (views/learning/quiz.ejs): each choice is sent to the server as it
// is made, so a reload, a lost connection or an idle sign-out loses nothing. The page works without
// this script: the form still submits every answer, and the one-question-per-page view saves on Next.
// On a narrow screen it also shows one question at a time (Previous/Next) instead of one long page.
(function () {
  'use strict';
  // Back to a quiz page that the browser kept in memory after the attempt was graded: its choices, next
  // to a result that says which questions were wrong, would give away the key of two-choice questions.
  // Reloading asks the server, which sends a graded attempt's page on to its result.
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) window.location.reload();
  });
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

  // One question at a time on narrow screens: every question stays in the form (submit sends them
  // all); the others are only hidden.
  var sets = Array.prototype.slice.call(form.querySelectorAll('fieldset.question'));
  var narrow = window.matchMedia ? window.matchMedia('(max-width: 37.5rem)') : null;
  var current = 0;
  var pager = document.createElement('div');
  pager.className = 'quiz-pager';
  var prev = document.createElement('button');
  prev.type = 'button';
  prev.className = 'button button-secondary';
  prev.textContent = 'Previous question';
  var next = document.createElement('button');
  next.type = 'button';
  next.className = 'button';
  next.textContent = 'Next question';
  pager.appendChild(prev);
  pager.appendChild(next);
  if (sets.length) sets[sets.length - 1].parentNode.insertBefore(pager, sets[sets.length - 1].nextSibling);

  function firstOpen() {
    for (var i = 0; i < sets.length; i += 1) {
      if (sets[i].classList.contains('has-error') || !sets[i].querySelector('input:checked')) return i;
    }
    return 0;
  }

  function show(moveFocus) {
    var paged = narrow && narrow.matches && sets.length > 1;
    for (var i = 0; i < sets.length; i += 1) sets[i].hidden = paged && i !== current;
    pager.hidden = !paged;
    prev.disabled = current === 0;
    next.disabled = current === sets.length - 1;
    if (paged && moveFocus) {
      sets[current].setAttribute('tabindex', '-1');
      sets[current].focus();
    }
  }

  prev.addEventListener('click', function () { if (current > 0) { current -= 1; show(true); } });
  next.addEventListener('click', function () { if (current < sets.length - 1) { current += 1; show(true); } });
  // Links to a question (the error summary's) show that question.
  function showHash() {
    for (var i = 0; i < sets.length; i += 1) if ('#' + sets[i].id === window.location.hash) current = i;
    show(false);
  }
  window.addEventListener('hashchange', showHash);
  if (narrow && narrow.addEventListener) narrow.addEventListener('change', function () { show(false); });
  current = firstOpen();
  showHash();

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
