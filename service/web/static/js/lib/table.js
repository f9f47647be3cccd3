// Fill a table body from rows, one cell per value.

export function fill(tableId, rows, cells, rowClass) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement("tr");
    if (rowClass) tr.className = rowClass(row);
    for (const value of cells(row)) {
      const td = document.createElement("td");
      td.textContent = value === undefined || value === null ? "" : String(value);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

/** Poll a 202 job (or take a 200 answer) until its result; the page's <progress> shows it. */
export async function waitFor(api, response) {
  if (response.status === 200) return { id: response.headers.get("x-job-id"), result: response.data };
  const bar = document.getElementById("progress");
  bar.hidden = false;
  const id = response.data.id;
  try {
    for (;;) {
      const job = (await api("GET", `/jobs/${id}`)).data;
      bar.value = job.progress;
      if (job.status === "done") break;
      if (["failed", "interrupted", "cancelled"].includes(job.status)) throw new Error(job.error ? job.error.detail : job.status);
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  } finally {
    bar.hidden = true;
  }
  return { id, result: (await api("GET", `/jobs/${id}/result`)).data };
}
