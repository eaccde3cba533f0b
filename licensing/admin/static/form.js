// The license form: looks the customer up by email, locks what the record knows, shows what
// the customer already has, and issues through the JSON API on the admin's session.
(function () {
  "use strict";

  const form = document.getElementById("license-form");
  if (!form) return;

  const LOOKUP_DELAY_MS = 300;
  const $ = (id) => document.getElementById(id);
  const email = $("email");
  const customerFields = [$("organization"), $("contactName")];
  const isTrial = $("isTrial");
  const repeatBox = $("repeat-trial");
  const confirmRepeat = $("confirm-repeat-trial");
  const card = $("customer-card");
  const status = $("customer-status");
  const submit = $("submit");
  const formError = $("form-error");
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  // What the form knows, and for which email: key is the email trimmed and lower-cased (the
  // server applies the full email rule), customer is the record or null for a new customer.
  let state = { key: null, customer: null };
  let sequence = 0; // numbers lookups: only the newest may change the form
  let pending = null; // { key, promise } of the newest lookup in flight
  let timer = null;
  const filled = new Set(); // fields whose value a lookup put there, not the user
  let attempt = { body: null, key: null }; // the Idempotency-Key for one request body

  const emailKey = () => email.value.trim().toLowerCase();
  const looksLikeEmail = (text) => /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(text);

  // Build elements from text only: nothing a customer record holds is ever parsed as HTML.
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function link(href, text) {
    const a = el("a", null, text);
    a.href = href;
    return a;
  }

  const day = (iso) => (iso ? iso.slice(0, 10) : "");

  function licenseState(license) {
    if (license.expired) return ["expired", "Expired"];
    if (Date.parse(license.startsAt) > Date.now()) return ["upcoming", "Not started"];
    return ["active", "Active"];
  }

  const hadTrial = (customer) => customer.licenses.some((license) => license.isTrial);

  // ----- errors next to fields --------------------------------------------------------------

  function showFieldError(name, messages) {
    const input = $(name);
    const slot = $(name + "-error");
    if (!input || !slot) return false;
    slot.textContent = [].concat(messages).join(" ");
    slot.hidden = false;
    input.setAttribute("aria-invalid", "true");
    return true;
  }

  function clearFieldError(name) {
    const slot = $(name + "-error");
    if (slot) {
      slot.textContent = "";
      slot.hidden = true;
    }
    const input = $(name);
    if (input) input.removeAttribute("aria-invalid");
  }

  function showFormError(message, linkTo) {
    formError.replaceChildren(message);
    if (linkTo) formError.append(" ", link(linkTo.href, linkTo.text));
    formError.hidden = false;
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((slot) => {
      clearFieldError(slot.id.replace(/-error$/, ""));
    });
    formError.hidden = true;
    formError.replaceChildren();
  }

  // ----- the customer card and the locked fields --------------------------------------------

  function setCard(kind, title, ...content) {
    card.className = "customer-card" + (kind ? " customer-card--" + kind : "");
    const heading = el("h2", "customer-card__title", title);
    heading.id = "customer-card-title";
    card.replaceChildren(heading, ...content.filter((node) => node !== null));
    status.textContent = title;
  }

  function licenseTable(licenses) {
    const head = el("tr", null, ...["SKU", "Users", "Type", "Starts", "Expires", "Status"].map(
      (name) => { const th = el("th", null, name); th.scope = "col"; return th; }));
    const rows = licenses.map((license) => {
      const [stateClass, stateText] = licenseState(license);
      const kind = license.isTrial ? el("span", "badge badge--trial", "Trial") : el("span", "badge", "Paid");
      return el("tr", null, el("td", null, license.sku), el("td", "num", String(license.users)),
        el("td", null, kind), el("td", null, day(license.startsAt)),
        el("td", null, day(license.expiresAt)),
        el("td", null, el("span", "badge badge--" + stateClass, stateText)));
    });
    return el("table", "table customer-licenses", el("thead", null, head), el("tbody", null, ...rows));
  }

  function showCustomer(customer) {
    const page = form.dataset.customerUrl.replace("CUSTOMER_ID", encodeURIComponent(customer.id));
    const history = customer.licenses.length
      ? licenseTable(customer.licenses)
      : el("p", "muted", "No licenses yet.");
    setCard("found", "Existing customer",
      el("p", null, el("strong", "customer-card__organization", customer.organization)),
      el("p", null, "Contact: ", el("span", "customer-card__contact", customer.contactName),
        " · ", customer.email),
      el("p", "muted", "Customer since " + day(customer.createdAt) + " · ",
        link(page, "Customer page")),
      hadTrial(customer) ? el("p", "customer-card__trial", "This customer already had a trial.") : null,
      history);
  }

  function lockCustomerFields(customer) {
    for (const field of customerFields) {
      field.value = customer[field.id];
      field.disabled = true;
      filled.add(field);
      clearFieldError(field.id);
    }
  }

  function releaseCustomerFields() {
    for (const field of customerFields) {
      if (filled.has(field)) field.value = ""; // what a lookup filled goes; what was typed stays
      filled.delete(field);
      field.disabled = false;
    }
  }

  function updateRepeatTrial() {
    const needed = Boolean(state.customer && hadTrial(state.customer) && isTrial.checked);
    repeatBox.hidden = !needed;
    if (!needed) {
      confirmRepeat.checked = false;
      clearFieldError("confirm-repeat-trial");
    }
  }

  // Apply a lookup's outcome for key. Only called by the newest lookup.
  function apply(key, outcome, customer, message) {
    state = { key: outcome === "failed" ? null : key, customer: customer || null };
    if (customer) {
      lockCustomerFields(customer);
      showCustomer(customer);
    } else {
      releaseCustomerFields();
      if (outcome === "new") {
        setCard("new", "New customer",
          el("p", null, "No customer has this email yet. Organization and Contact name create one."));
      } else if (outcome === "failed") {
        setCard("error", "Lookup failed", el("p", null, message));
      } else {
        setCard(null, "Customer", el("p", "muted",
          "Enter the customer's email to see whether they exist and what they already have."));
      }
    }
    updateRepeatTrial();
  }

  // ----- the lookup -------------------------------------------------------------------------

  function lookup() {
    clearTimeout(timer);
    const key = emailKey();
    if (pending && pending.key === key) return pending.promise;
    if (state.key === key) {
      if (pending) { // back to the email the form shows: drop the answer for the other one
        ++sequence;
        pending = null;
        card.removeAttribute("aria-busy");
      }
      return Promise.resolve();
    }
    const mine = ++sequence;
    const text = email.value.trim();
    pending = null;
    if (!text) {
      clearFieldError("email");
      apply(key, "empty");
      return Promise.resolve();
    }
    if (!looksLikeEmail(text)) {
      showFieldError("email", "Enter a full email address, such as ops@example.com.");
      apply(key, "invalid");
      return Promise.resolve();
    }
    clearFieldError("email");
    card.setAttribute("aria-busy", "true");
    const url = form.dataset.lookupUrl + "?email=" + encodeURIComponent(text);
    const promise = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(async (response) => {
        const body = await response.json().catch(() => null);
        if (mine !== sequence) return; // a newer lookup owns the form: drop this answer
        if (response.ok && body) {
          const customer = body.customers[0];
          apply(key, customer ? "found" : "new", customer);
        } else if (response.status === 422 && body) {
          showFieldError("email", (body.error.fields && body.error.fields.email) || body.error.message);
          apply(key, "invalid");
        } else if (response.status === 401) {
          apply(key, "failed", null, "Your session has ended: sign in again.");
        } else {
          apply(key, "failed", null, (body && body.error && body.error.message) ||
            "The lookup failed (HTTP " + response.status + ").");
        }
      })
      .catch(() => {
        if (mine === sequence) apply(key, "failed", null, "The lookup did not reach the server.");
      })
      .finally(() => {
        if (mine === sequence) {
          pending = null;
          card.removeAttribute("aria-busy");
        }
      });
    pending = { key, promise };
    return promise;
  }

  email.addEventListener("input", () => {
    if (looksLikeEmail(email.value.trim())) clearFieldError("email");
    clearTimeout(timer);
    timer = setTimeout(lookup, LOOKUP_DELAY_MS);
  });
  email.addEventListener("blur", lookup);
  isTrial.addEventListener("change", updateRepeatTrial);
  confirmRepeat.addEventListener("change", () => clearFieldError("confirm-repeat-trial"));

  // ----- issuing ----------------------------------------------------------------------------

  function requestBody() {
    const body = { email: email.value, sku: $("sku").value, isTrial: isTrial.checked };
    if (state.customer) {
      body.customerId = state.customer.id; // disabled fields are not sent: bind by id
    } else {
      for (const field of customerFields) {
        if (field.value.trim()) body[field.id] = field.value;
      }
    }
    const users = $("users").value.trim();
    if (users) body.users = /^\d+$/.test(users) ? Number(users) : users;
    for (const name of ["startsAt", "expiresAt"]) {
      if ($(name).value) body[name] = $(name).value;
    }
    return body;
  }

  function idempotencyKey(json) {
    if (attempt.body !== json) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      const key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      attempt = { body: json, key };
    }
    return attempt.key;
  }

  function focusFirstError() {
    const first = form.querySelector("[aria-invalid='true']:not([disabled])");
    if (first) first.focus();
    else if (!formError.hidden) formError.scrollIntoView({ block: "nearest" });
  }

  function showApiError(response, body) {
    const error = (body && body.error) || {};
    if (response.status === 401) {
      showFormError("Your session has ended.", { href: form.dataset.loginUrl, text: "Sign in again" });
      return;
    }
    if (error.code === "email_mismatch") {
      state = { key: null, customer: state.customer }; // look up again before the next try
      showFieldError("email", error.message);
      return;
    }
    const unplaced = [];
    for (const [name, messages] of Object.entries(error.fields || {})) {
      if (!showFieldError(name, messages)) unplaced.push(name + ": " + [].concat(messages).join(" "));
    }
    if (!error.fields || unplaced.length) {
      showFormError([error.message || "The license was not issued (HTTP " + response.status + ").",
        ...unplaced].join(" "));
    }
  }

  async function issue() {
    const body = requestBody();
    const json = JSON.stringify(body);
    const response = await fetch(form.dataset.issueUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
        "Idempotency-Key": idempotencyKey(json),
      },
      body: json,
    });
    const answer = await response.json().catch(() => null);
    if (response.status === 201 && answer) {
      const codes = answer.warnings.map((warning) => warning.code).join(",");
      const target = form.dataset.licenseUrl.replace("LICENSE_ID", encodeURIComponent(answer.id));
      window.location.assign(target + "?issued=1" + (codes ? "&warnings=" + encodeURIComponent(codes) : ""));
      return true;
    }
    showApiError(response, answer);
    return false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors();
    submit.disabled = true;
    let issued = false;
    try {
      await lookup(); // what the form shows must belong to the email being sent
      if (!repeatBox.hidden && !confirmRepeat.checked) {
        showFieldError("confirm-repeat-trial",
          "Tick this box to confirm another trial for this customer.");
        confirmRepeat.focus();
        return;
      }
      issued = await issue();
    } catch (error) {
      showFormError("The request did not reach the server; nothing was issued. Try again.");
    } finally {
      if (!issued) {
        submit.disabled = false;
        focusFirstError();
      }
    }
  });

  if (email.value.trim()) lookup();
})();
