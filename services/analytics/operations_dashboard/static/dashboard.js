// The operations dashboard: registers the province map, draws the charts, and redraws everything from
// each snapshot the server pushes (GET api/v1/stats/dashboard/stream, server-sent events).
//
// The stream is for staff: the page asks for a reviewer's or an admin's access token, keeps it in this
// closure only (never localStorage, sessionStorage or a cookie: gone with the page) and sends it as
// Authorization. EventSource cannot send that header, so the stream is read with fetch and parsed here;
// the page reconnects by itself, and asks for a token again when the server refuses it (401/403).
//
// Opened from the site's workbench (same origin), the page asks the window that opened it for the
// token that window holds (postMessage, this origin only, both ways) instead of asking the person to
// paste one: the token still lives only in the two pages' memory. Without an opener, or without an
// answer within a moment, it asks for a token as before.
(function () {
  "use strict";

  var MAP = "china-provinces";
  var params = new URLSearchParams(window.location.search);
  var campaign = params.get("campaign") || "";
  var query = campaign ? "?campaign=" + encodeURIComponent(campaign) : "";
  var state = { charts: {}, snapshot: null, updates: 0, provinces: [] };
  window.kepuriDashboard = state; // for operators' consoles and the browser test

  var axisStyle = { axisLine: { lineStyle: { color: "#8fa8c8" } }, splitLine: { lineStyle: { color: "#23436e" } } };

  function integer(n) {
    return Number(n).toLocaleString("zh-CN");
  }

  function setText(id, text) {
    document.getElementById(id).textContent = text;
  }

  function chart(id) {
    var instance = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    state.charts[id] = instance;
    return instance;
  }

  function barOption(color) {
    return {
      grid: { left: 110, right: 30, top: 10, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle),
      yAxis: Object.assign({ type: "category", inverse: true, data: [] }, axisStyle),
      series: [{ type: "bar", data: [], itemStyle: { color: color }, label: { show: true, position: "right", color: "#e6eef8" } }]
    };
  }

  function setUp(geo) {
    echarts.registerMap(MAP, geo);
    state.provinces = geo.features.map(function (f) { return f.properties.name; });
    chart("chart-map").setOption({
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + integer(p.value || 0) + " 项活动"; } },
      visualMap: {
        min: 0, max: 1, left: 10, bottom: 10, calculable: true, text: ["多", "少"],
        textStyle: { color: "#e6eef8" }, inRange: { color: ["#dceefb", "#64b5f6", "#0d47a1"] }
      },
      series: [{
        name: "活动数", type: "map", map: MAP, roam: true, zoom: 1.15,
        label: { show: false }, emphasis: { label: { show: true } },
        itemStyle: { borderColor: "#0b1d33" }, data: []
      }]
    });
    chart("chart-registrations").setOption({
      grid: { left: 50, right: 20, top: 20, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: Object.assign({ type: "category", boundaryGap: false, data: [] }, axisStyle),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle),
      series: [{ name: "报名数", type: "line", smooth: true, areaStyle: { opacity: 0.25 }, data: [], itemStyle: { color: "#4fc3f7" } }]
    });
    chart("chart-provinces").setOption(barOption("#64b5f6"));
    chart("chart-categories").setOption(barOption("#ffb74d"));
    window.addEventListener("resize", function () {
      Object.keys(state.charts).forEach(function (id) { state.charts[id].resize(); });
    });
  }

  function renderCounters(s) {
    var c = s.counters;
    setText("total-activities", integer(c.activities));
    setText("info-completed", integer(c.info_completed));
    setText("completion-rate", (c.completion_rate * 100).toFixed(1) + "%");
    setText("science-workers", integer(c.science_workers));
    setText("checkins", integer(c.checkins));
    setText("feedback", integer(c.feedback));
    setText("average-rating", c.average_rating === null ? "—" : c.average_rating.toFixed(2));
    setText("notifications-sent", integer(c.notifications_sent));
    setText("notifications-failed", integer(c.notifications_failed));
    ["county", "city", "province", "national"].forEach(function (level) {
      setText("recommended-" + level, integer(s.recommendations[level] || 0));
    });
  }

  function renderCharts(s) {
    var counts = {};
    var max = 1;
    s.provinces.forEach(function (p) { counts[p.name] = p.activities; max = Math.max(max, p.activities); });
    state.charts["chart-map"].setOption({
      visualMap: { max: max },
      series: [{ data: state.provinces.map(function (name) { return { name: name, value: counts[name] || 0 }; }) }]
    });
    state.charts["chart-registrations"].setOption({
      xAxis: { data: s.registrations_per_minute.map(function (m) { return m.minute.slice(11); }) },
      series: [{ data: s.registrations_per_minute.map(function (m) { return m.registrations; }) }]
    });
    state.charts["chart-provinces"].setOption({
      yAxis: { data: s.top_provinces.map(function (p) { return p.name; }) },
      series: [{ data: s.top_provinces.map(function (p) { return p.activities; }) }]
    });
    state.charts["chart-categories"].setOption({
      yAxis: { data: s.top_categories.map(function (c) { return c.category; }) },
      series: [{ data: s.top_categories.map(function (c) { return c.activities; }) }]
    });
  }

  function cell(text, alert) {
    var td = document.createElement("td");
    td.textContent = text;
    if (alert) { td.className = "alert"; }
    return td;
  }

  function renderOperations(ops) {
    var body = document.querySelector("#operations tbody");
    body.replaceChildren();
    if (ops.groups.length === 0) {
      var tr = document.createElement("tr");
      var td = cell("暂无消费组数据");
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    ops.groups.forEach(function (g) {
      var row = document.createElement("tr");
      row.dataset.group = g.group;
      row.append(cell(g.group), cell(integer(g.lag), g.lag > 1000), cell(integer(g.errors), g.errors > 0),
        cell(integer(g.dead_letters), g.dead_letters > 0));
      body.appendChild(row);
    });
    var list = document.getElementById("sources");
    list.replaceChildren();
    ops.sources.forEach(function (src) {
      var li = document.createElement("li");
      li.className = src.status;
      li.textContent = src.source + "：" + (src.status === "ok" ? "正常" : "无法访问（" + (src.error || "") + "）");
      list.appendChild(li);
    });
  }

  function render(s) {
    state.snapshot = s;
    state.updates += 1;
    renderCounters(s);
    renderCharts(s);
    renderOperations(s.operations);
    setText("generated-at", s.generated_at ? new Date(s.generated_at).toLocaleTimeString("zh-CN") : "—");
  }

  function status(text, className) {
    var el = document.getElementById("connection");
    el.textContent = text;
    el.className = "status " + className;
  }

  var token = null; // the access token: in memory only
  var retryMs = 3000;

  function problemText(response) {
    return response.json()
      .then(function (p) { return p.detail || p.title || String(response.status); })
      .catch(function () { return "HTTP " + response.status; });
  }

  function askForToken(message) {
    token = null;
    document.getElementById("sign-in").hidden = false;
    setText("sign-in-error", message || "");
    status("需要登录", "lost");
    document.getElementById("token").focus();
  }

  // An unnamed event is a snapshot; "end" says why the server ends the stream (its token refused, or
  // the longest a stream stays open): the page connects again and asks for a token if it is refused.
  function handle(block) {
    var data = [];
    var name = "message";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("data:") === 0) { data.push(line.slice(5).replace(/^ /, "")); }
      else if (line.indexOf("event:") === 0) { name = line.slice(6).trim(); }
      else if (line.indexOf("retry:") === 0) { retryMs = parseInt(line.slice(6), 10) || retryMs; }
    });
    if (data.length && name === "message") { render(JSON.parse(data.join("\n"))); }
  }

  function read(reader) {
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) { return; }
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
        var events = buffer.split("\n\n");
        buffer = events.pop();
        events.forEach(handle);
        return pump();
      });
    }
    return pump();
  }

  function reconnect(afterMs) {
    status("连接中断，正在重连…", "lost");
    window.setTimeout(function () { if (token) { connect(); } }, afterMs || retryMs);
  }

  function connect() {
    status("连接中…", "connecting");
    fetch("api/v1/stats/dashboard/stream" + query, {
      headers: { Authorization: "Bearer " + token, Accept: "text/event-stream" },
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return problemText(response).then(askForToken);
      }
      if (!response.ok) { // 404 unknown campaign; 429 / 503 too many streams: wait as told
        var wait = (parseInt(response.headers.get("Retry-After"), 10) || 0) * 1000;
        return problemText(response).then(function (text) {
          status(text, "lost");
          if (response.status !== 404) { window.setTimeout(connect, Math.max(wait, retryMs)); }
        });
      }
      status("实时连接", "ok");
      return read(response.body.getReader()).then(function () { reconnect(); });
    }).catch(function () { reconnect(); });
  }

  document.getElementById("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("token");
    token = input.value.trim();
    input.value = "";
    if (!token) { return; }
    document.getElementById("sign-in").hidden = true;
    setText("sign-in-error", "");
    connect();
  });

  var TOKEN_REQUEST = "kepuri:dashboard-token-request";
  var TOKEN_ANSWER = "kepuri:dashboard-token";

  function tokenFromOpener(otherwise) {
    var opener = window.opener;
    if (!opener || opener === window) { otherwise(""); return; }
    var waiting = window.setTimeout(function () {
      window.removeEventListener("message", answered);
      otherwise("");
    }, 1500);
    function answered(event) {
      if (event.origin !== window.location.origin || event.source !== opener) { return; }
      var data = event.data || {};
      if (data.type !== TOKEN_ANSWER || typeof data.token !== "string" || !data.token) { return; }
      window.clearTimeout(waiting);
      window.removeEventListener("message", answered);
      token = data.token;
      document.getElementById("sign-in").hidden = true;
      connect();
    }
    window.addEventListener("message", answered);
    try {
      opener.postMessage({ type: TOKEN_REQUEST }, window.location.origin);
    } catch (error) {
      window.clearTimeout(waiting);
      window.removeEventListener("message", answered);
      otherwise("");
    }
  }

  setText("campaign", campaign || "全部");
  fetch("dashboard/static/vendor/china-provinces.json")
    .then(function (response) {
      if (!response.ok) { throw new Error("map " + response.status); }
      return response.json();
    })
    .then(function (geo) { setUp(geo); tokenFromOpener(askForToken); })
    .catch(function (error) { status("地图加载失败", "lost"); console.error(error); });
})();
