package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// Who may use a route.
const (
	anyone = iota // any logged-in user
	actor         // reviewers and admins: the office's actions
	admin         // admins: users
)

type handler func(w http.ResponseWriter, r *http.Request, sess *session) error

// problem is an error the user can fix, shown as it is.
type problem string

func (p problem) Error() string { return string(p) }

const maxUpload = 25 << 20

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /static/style.css", func(w http.ResponseWriter, r *http.Request) {
		b, _ := assets.ReadFile("assets/style.css") // embedded
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(b)
	})
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginPost)
	s.handle(m, "POST /logout", anyone, s.logout)
	s.handle(m, "GET /{$}", anyone, s.overview)
	s.handle(m, "GET /unit/{code}", anyone, s.unit)
	s.handle(m, "GET /review", anyone, s.review)
	s.handle(m, "POST /review/approve", actor, s.reviewApprove)
	s.handle(m, "POST /review/return", actor, s.reviewReturn)
	s.handle(m, "POST /review/accept-source", actor, s.reviewAcceptSource)
	s.handle(m, "POST /review/discard", actor, s.reviewDiscard)
	s.handle(m, "GET /adjust", anyone, s.adjust)
	s.handle(m, "POST /adjust/add", actor, s.adjustAdd)
	s.handle(m, "POST /adjust/revoke", actor, s.adjustRevoke)
	s.handle(m, "GET /verify/sample", actor, s.verifySample)
	s.handle(m, "POST /verify/import", actor, s.verifyImport)
	s.handle(m, "GET /outbox", anyone, s.outbox)
	s.handle(m, "POST /outbox/resend", actor, s.outboxResend)
	s.handle(m, "GET /runs", anyone, s.runs)
	s.handle(m, "GET /users", admin, s.users)
	s.handle(m, "POST /users/add", admin, s.userAdd)
	s.handle(m, "POST /users/disable", admin, s.userDisable)
	s.handle(m, "GET /download/attachment/{id}/{seq}", anyone, s.downloadAttachment)
	s.handle(m, "GET /download/message/{id}", actor, s.downloadMessage)
	s.handle(m, "GET /download/evidence/{id}", anyone, s.downloadEvidence)
	s.mux = m
}

// handle registers h behind the login, the CSRF check of every POST and the role check.
func (s *Server) handle(m *http.ServeMux, pattern string, need int, h handler) {
	post := strings.HasPrefix(pattern, "POST ")
	m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessionOf(r)
		if sess == nil {
			if post {
				s.refuse(w, r, nil, http.StatusUnauthorized, "登录已失效，请重新登录后再操作。")
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			if err := r.ParseMultipartForm(maxUpload); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				s.refuse(w, r, sess, http.StatusBadRequest, "表单无法读取（文件不能超过25 MB）。")
				return
			}
			if !checkCSRF(r, sess) {
				s.log.Warn("console: request without a valid CSRF token refused", "user", sess.User.Name, "path", r.URL.Path)
				s.refuse(w, r, sess, http.StatusForbidden, "请求缺少有效的表单令牌（CSRF），已拒绝。请回到页面刷新后重试。")
				return
			}
		}
		switch {
		case need == actor && !sess.CanAct():
			s.log.Warn("console: a viewer's action refused", "user", sess.User.Name, "path", r.URL.Path)
			s.refuse(w, r, sess, http.StatusForbidden, "您的账号是查看账号，不能执行此操作。")
			return
		case need == admin && !sess.IsAdmin():
			s.refuse(w, r, sess, http.StatusForbidden, "只有管理员可以管理用户。")
			return
		}
		if err := h(w, r, sess); err != nil {
			s.log.Error("console", "path", r.URL.Path, "user", sess.User.Name, "err", err)
			s.refuse(w, r, sess, http.StatusInternalServerError, "内部错误，已记入日志。")
		}
	})
}

// page is what every page template gets.
type page struct {
	Title  string
	Nav    string
	Sess   *session
	Flash  *flash
	Period string
	Body   any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, sess *session, status int, name string, p page) {
	p.Sess = sess
	if sess != nil {
		s.mu.Lock()
		if f, ok := s.flash[sess.token]; ok {
			p.Flash = &f
			delete(s.flash, sess.token)
		}
		s.mu.Unlock()
	}
	var b strings.Builder
	if err := s.pages[name].ExecuteTemplate(&b, "base", p); err != nil {
		s.log.Error("console: rendering", "page", name, "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, sess *session, status int, msg string) {
	s.render(w, r, sess, status, "refused", page{Title: "无法完成", Body: msg})
}

// done ends an action: it records msg (or err's text, when the user can fix it) for the
// next page and sends the browser there.
func (s *Server) done(w http.ResponseWriter, r *http.Request, sess *session, to, msg string, err error) error {
	f := flash{Text: msg}
	if err != nil {
		var p problem
		var ps templates.Problems
		switch {
		case errors.As(err, &p):
			f = flash{Text: string(p), Err: true}
		case errors.As(err, &ps):
			f = flash{Text: fmt.Sprintf("核查表有%d处问题，未导入，请改正后重新导入：\n%s", len(ps), ps.Error()), Err: true}
		case errors.Is(err, jobs.ErrAdjustment):
			f = flash{Text: "未记录：" + strings.TrimPrefix(err.Error(), jobs.ErrAdjustment.Error()+": "), Err: true}
		default:
			return err
		}
	}
	s.mu.Lock()
	s.flash[sess.token] = f
	s.mu.Unlock()
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) audit(ctx context.Context, sess *session, action, detail string) {
	if err := s.d.Store.Audit(ctx, s.now(), sess.User.Name, action, detail); err != nil {
		s.log.Error("console: audit", "action", action, "err", err)
	}
}

// --- login ---

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.sessionOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, nil, http.StatusOK, "login", page{Title: "登录", Body: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

type loginData struct {
	Name, Next, Error string
}

// safeNext keeps a redirect after the login on this site.
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/"
	}
	return n
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if !sameOrigin(r) {
		s.refuse(w, r, nil, http.StatusForbidden, "登录请求来自其他网站，已拒绝。")
		return
	}
	name, pw := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	d := loginData{Name: name, Next: safeNext(r.PostFormValue("next"))}
	ip, _, _ := strings.Cut(r.RemoteAddr, ":")
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		ip = r.RemoteAddr[:i]
	}
	keys := []string{"user:" + name, "ip:" + ip}
	now := s.now()
	if wait := s.lim.blocked(now, keys...); wait > 0 {
		s.log.Warn("console: login refused: too many wrong passwords", "name", name, "ip", ip, "wait", wait.Round(time.Second))
		d.Error = fmt.Sprintf("密码错误次数过多，请%d秒后再试。", int(wait.Round(time.Second)/time.Second))
		s.render(w, r, nil, http.StatusTooManyRequests, "login", page{Title: "登录", Body: d})
		return
	}
	err := s.login(r.Context(), w, name, pw)
	if errors.Is(err, errBadLogin) {
		s.lim.failed(now, keys...)
		s.log.Warn("console: wrong password", "name", name, "ip", ip)
		d.Error = errBadLogin.Error()
		s.render(w, r, nil, http.StatusUnauthorized, "login", page{Title: "登录", Body: d})
		return
	}
	if err != nil {
		s.log.Error("console: login", "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	s.lim.succeeded("user:" + name)
	if err := s.d.Store.Audit(r.Context(), now, name, "login", ip); err != nil {
		s.log.Error("console: audit", "err", err)
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *session) error {
	if err := s.d.Store.DeleteSession(r.Context(), sess.token); err != nil {
		return err
	}
	clearCookie(w, s.secure)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// --- the month ---

// period returns the period the request names (?period=), else the current one.
func (s *Server) period(r *http.Request) (string, error) {
	p := strings.TrimSpace(r.FormValue("period"))
	if p == "" {
		return jobs.CurrentPeriod(s.now()), nil
	}
	if err := jobs.CheckPeriod(p); err != nil {
		return "", problem(fmt.Sprintf("期次“%s”的格式不对，应为YYYY-MM，如2026-11。", p))
	}
	return p, nil
}

type unitRow struct {
	Code, Name, Type string
	State            string
	StateClass       string
	Version          int
	Received         time.Time
	Pending          bool
	Source           bool // a 待确认来源 form names it
	LastMail         string
	LastMailAt       time.Time
	Total            string
	Grade            string
	Rank, Of         int
}

type overviewData struct {
	Deadline                                   time.Time
	Expected, Submitted, OnTime, Late, Missing int
	Rejected                                   int
	Pending                                    int // forms waiting for review
	Sources                                    int // 待确认来源 forms
	ReviewOn                                   bool
	Units                                      []unitRow
	Summary                                    []download
	Assessed                                   time.Time
	Periods                                    []string
}

type download struct {
	Name string
	URL  string
	Size int64
}

func attachmentLinks(o store.Outgoing) []download {
	var out []download
	for i, a := range o.Attachments {
		out = append(out, download{Name: a.Name, URL: fmt.Sprintf("/download/attachment/%d/%d", o.ID, i), Size: a.Size})
	}
	return out
}

// state is a unit's state for the period, as `kaohe status` tells it.
func state(subs []store.Submission, deadline time.Time) (label, class string, acc *store.Submission) {
	for i := range subs {
		if subs[i].Status == store.Accepted && !subs[i].Superseded {
			acc = &subs[i]
		}
	}
	switch {
	case acc != nil && acc.Received.After(deadline):
		return "迟报", "late", acc
	case acc != nil:
		return "已报送", "ok", acc
	case len(subs) > 0:
		return "被退回", "bad", nil
	}
	return "未报送", "missing", nil
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request, sess *session) error {
	ctx := r.Context()
	p, err := s.period(r)
	if err != nil {
		return s.done(w, r, sess, "/", "", err)
	}
	deadline, err := s.d.Config.Deadline(p)
	if err != nil {
		return err
	}
	subs, err := s.d.Store.Submissions(ctx, p)
	if err != nil {
		return err
	}
	by := map[string][]store.Submission{}
	for _, x := range subs {
		by[x.County] = append(by[x.County], x)
	}
	out, err := s.d.Store.Outbox(ctx, "", p)
	if err != nil {
		return err
	}
	msgs, err := s.d.Store.Messages(ctx, "", false)
	if err != nil {
		return err
	}
	pending, sources := map[string]bool{}, map[string]bool{}
	d := overviewData{Deadline: deadline, Expected: len(s.d.Roster.Counties), ReviewOn: s.rev != nil}
	if s.rev != nil {
		items, err := s.rev.List(ctx, p)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Source != 0 {
				d.Sources++
				sources[it.County] = true
				continue
			}
			pending[it.County] = true
			d.Pending++
		}
	}
	res, assessed, err := s.result(ctx, p)
	if err != nil {
		return err
	}
	d.Assessed = assessed
	for _, c := range s.d.Roster.Counties {
		label, class, acc := state(by[c.Code], deadline)
		u := unitRow{Code: c.Code, Name: c.Name, Type: c.Type, State: label, StateClass: class, Pending: pending[c.Code], Source: sources[c.Code]}
		switch label {
		case "迟报":
			d.Submitted++
			d.Late++
		case "已报送":
			d.Submitted++
			d.OnTime++
		case "被退回":
			d.Rejected++
		default:
			d.Missing++
		}
		if acc != nil {
			u.Version, u.Received = acc.Version, acc.Received
		}
		u.LastMail, u.LastMailAt = lastMail(&c, msgs, out)
		if cr := countyResult(res, c.Code); cr != nil && cr.Submitted {
			u.Total, u.Grade, u.Rank, u.Of = fmt.Sprintf("%.2f", cr.Total), cr.Grade, cr.Rank, cr.Of
		}
		d.Units = append(d.Units, u)
	}
	for _, o := range out {
		if o.Kind == templates.MailSummary {
			d.Summary = append(d.Summary, attachmentLinks(o)...)
		}
	}
	d.Periods = recentPeriods(p, 6)
	return s.renderOK(w, r, sess, "overview", page{Title: "本月概况", Nav: "overview", Period: p, Body: d})
}

func (s *Server) renderOK(w http.ResponseWriter, r *http.Request, sess *session, name string, p page) error {
	s.render(w, r, sess, http.StatusOK, name, p)
	return nil
}

func recentPeriods(p string, n int) []string {
	out := []string{p}
	for len(out) < n {
		out = append(out, jobs.PreviousPeriod(out[len(out)-1]))
	}
	return out
}

// senderIs reports whether a From header is one of addrs (lower case).
func senderIs(from string, addrs map[string]bool) bool {
	if a, err := mail.ParseAddress(from); err == nil {
		return addrs[strings.ToLower(a.Address)]
	}
	return addrs[strings.ToLower(strings.TrimSpace(from))]
}

func emailSet(c *seeds.County) map[string]bool {
	m := map[string]bool{}
	for _, e := range c.Emails {
		m[strings.ToLower(strings.TrimSpace(e))] = true
	}
	return m
}

// lastMail is the latest mail from or to the county: its description and time.
func lastMail(c *seeds.County, msgs []store.Message, out []store.Outgoing) (string, time.Time) {
	addrs := emailSet(c)
	var what string
	var at time.Time
	for _, m := range msgs {
		if senderIs(m.Sender, addrs) && m.Received.After(at) {
			what, at = "收："+m.Subject, m.Received
		}
	}
	for _, o := range out {
		if o.County != c.Code {
			continue
		}
		t := o.Created
		if !o.SentAt.IsZero() {
			t = o.SentAt
		}
		if t.After(at) {
			what, at = "发："+o.Subject+"（"+outStateNames[o.State]+"）", t
		}
	}
	return what, at
}

var outStateNames = map[string]string{store.OutQueued: "待发送", store.OutSent: "已发送", store.OutFailed: "发送失败"}

// result returns the stored assessment of p, nil when there is none.
func (s *Server) result(ctx context.Context, p string) (*score.Result, time.Time, error) {
	a, err := s.d.Store.Assessment(ctx, p)
	if errors.Is(err, store.ErrNotFound) {
		return nil, time.Time{}, nil
	} else if err != nil {
		return nil, time.Time{}, err
	}
	var res score.Result
	if err := a.DecodeResult(&res); err != nil {
		return nil, time.Time{}, err
	}
	return &res, a.Created, nil
}

func countyResult(res *score.Result, code string) *score.CountyResult {
	if res == nil {
		return nil
	}
	for i := range res.Counties {
		if res.Counties[i].Code == code {
			return &res.Counties[i]
		}
	}
	return nil
}

// --- a unit ---

type version struct {
	store.Submission
	Review    string   // the office's review: 待审核, 已审核 or 已退回, by whom and when
	ReviewBad bool     // returned
	Returned  string   // the reasons and cells of a return
	Changes   []string // cells changed against the previous accepted version
	More      int      // changes beyond those listed
}

type inMail struct {
	store.Message
	Attachments []store.Attachment
}

type unitData struct {
	County     *seeds.County
	Evidence   []store.Evidence
	EvidenceOf map[int64]int // the version of each submission, for the evidence it came with
	State      string
	Versions   []version
	In         []inMail
	Out        []outMail
	Reports    []download
	Score      *score.CountyResult
	Of         int
	Records    []store.Adjustment
	CanAct     bool
	Assessed   time.Time
}

type outMail struct {
	store.Outgoing
	Links []download
	State string
}

func (s *Server) unit(w http.ResponseWriter, r *http.Request, sess *session) error {
	ctx := r.Context()
	c := s.d.Roster.County(r.PathValue("code"))
	if c == nil {
		s.refuse(w, r, sess, http.StatusNotFound, "名册中没有这个单位。")
		return nil
	}
	p, err := s.period(r)
	if err != nil {
		return s.done(w, r, sess, "/", "", err)
	}
	deadline, err := s.d.Config.Deadline(p)
	if err != nil {
		return err
	}
	all, err := s.d.Store.Submissions(ctx, p)
	if err != nil {
		return err
	}
	var subs []store.Submission
	fromMsg := map[int64]bool{}
	for _, x := range all {
		if x.County == c.Code {
			subs = append(subs, x)
			fromMsg[x.MessageID] = true
		}
	}
	d := unitData{County: c, CanAct: sess.CanAct()}
	d.State, _, _ = state(subs, deadline)
	rs, err := s.d.ReviewStatusOf(ctx, p)
	if err != nil {
		return err
	}
	var prev map[string]cellValue
	for _, x := range subs {
		v := version{Submission: x}
		if x.Status == store.Accepted {
			if a, ok := rs.Last[x.ID]; ok {
				at := a.At.In(s.d.Config.Location).Format("01-02 15:04")
				if a.Action == store.ReviewReturn {
					v.Review, v.ReviewBad = fmt.Sprintf("已退回（%s %s）", a.By, at), true
					parts := strings.Split(a.Reason, "\n")
					for _, c := range a.Cells {
						parts = append(parts, c.Sheet+"!"+c.Cell+"："+c.Note)
					}
					v.Returned = strings.Join(parts, "；")
				} else {
					v.Review = fmt.Sprintf("已审核（%s %s）", a.By, at)
				}
			} else if rs.Required && !x.Superseded {
				v.Review = "待审核"
			}
		}
		if x.Status == store.Accepted {
			cur, err := s.values(ctx, x.ID)
			if err != nil {
				return err
			}
			if prev != nil {
				v.Changes, v.More = changes(prev, cur, 30)
			}
			prev = cur
		}
		d.Versions = append(d.Versions, v)
	}
	msgs, err := s.d.Store.Messages(ctx, "", false)
	if err != nil {
		return err
	}
	addrs := emailSet(c)
	for _, m := range msgs {
		if fromMsg[m.ID] || senderIs(m.Sender, addrs) {
			atts, err := s.d.Store.Attachments(ctx, m.ID)
			if err != nil {
				return err
			}
			d.In = append(d.In, inMail{Message: m, Attachments: atts})
		}
	}
	out, err := s.d.Store.Outbox(ctx, "", p)
	if err != nil {
		return err
	}
	for _, o := range out {
		if o.County != c.Code {
			continue
		}
		d.Out = append(d.Out, outMail{Outgoing: o, Links: attachmentLinks(o), State: outStateNames[o.State]})
		if o.Kind == templates.MailReport {
			d.Reports = append(d.Reports, attachmentLinks(o)...)
		}
	}
	res, assessed, err := s.result(ctx, p)
	if err != nil {
		return err
	}
	d.Score, d.Assessed = countyResult(res, c.Code), assessed
	if d.Score != nil {
		d.Of = d.Score.Of
	}
	if d.Records, err = s.d.Store.Adjustments(ctx, p, c.Code, true); err != nil {
		return err
	}
	if d.Evidence, err = s.d.Store.EvidenceOf(ctx, c.Code, p); err != nil {
		return err
	}
	d.EvidenceOf = map[int64]int{}
	for _, x := range subs {
		d.EvidenceOf[x.ID] = x.Version
	}
	return s.renderOK(w, r, sess, "unit", page{Title: c.Name, Nav: "overview", Period: p, Body: d})
}

type cellValue struct{ cell, text string }

func (s *Server) values(ctx context.Context, id int64) (map[string]cellValue, error) {
	vs, err := s.d.Store.Values(ctx, id, "", "")
	if err != nil {
		return nil, err
	}
	m := make(map[string]cellValue, len(vs))
	for _, v := range vs {
		text := v.Text
		if v.SheetKind != store.SheetTask {
			text = ""
			if v.Set {
				text = strconv.FormatFloat(v.Num, 'f', -1, 64)
			}
		}
		m[v.SheetKind+"|"+v.Key+"|"+v.Town+"|"+v.Village] = cellValue{cell: v.Cell, text: text}
	}
	return m, nil
}

// changes lists the cells whose value differs from prev to cur (old → new), at most n.
func changes(prev, cur map[string]cellValue, n int) ([]string, int) {
	var out []string
	for k, v := range cur {
		if p, ok := prev[k]; !ok || p.text != v.text {
			out = append(out, fmt.Sprintf("%s：%s → %s", v.cell, orDash(prev[k].text), orDash(v.text)))
		}
	}
	sort.Strings(out)
	if len(out) > n {
		return out[:n], len(out) - n
	}
	return out, 0
}

func orDash(s string) string {
	if s == "" {
		return "（空）"
	}
	return s
}

// --- review ---

type reviewData struct {
	On       bool
	Required bool // review.required: accepted forms wait for the office
	Forms    []ReviewItem
	Sources  []ReviewItem // 待确认来源
	Done     []reviewDone // the period's review actions, newest first
	CanAct   bool
	Cells    []int
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, sess *session) error {
	p, err := s.period(r)
	if err != nil {
		return s.done(w, r, sess, "/review", "", err)
	}
	d := reviewData{On: s.rev != nil, Required: s.d.Config.Review.Required, CanAct: sess.CanAct(), Cells: []int{1, 2, 3}}
	if s.rev != nil {
		items, err := s.rev.List(r.Context(), p)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Source != 0 {
				d.Sources = append(d.Sources, it)
			} else {
				d.Forms = append(d.Forms, it)
			}
		}
		if d.Done, err = s.reviewDone(r.Context(), p); err != nil {
			return err
		}
	}
	return s.renderOK(w, r, sess, "review", page{Title: "审核", Nav: "review", Period: p, Body: d})
}

// reviewDone is one action of the office's review, as the page lists it.
type reviewDone struct {
	store.ReviewAction
	Name    string
	Version int
	What    string // 审核通过, 退回
	Detail  string // a return's reasons and cells
}

// reviewDone returns the review actions of period, newest first (the record the review
// keeps; nothing is decided here).
func (s *Server) reviewDone(ctx context.Context, p string) ([]reviewDone, error) {
	acts, err := s.d.Store.ReviewActions(ctx, p, "")
	if err != nil {
		return nil, err
	}
	subs, err := s.d.Store.Submissions(ctx, p)
	if err != nil {
		return nil, err
	}
	ver := map[int64]int{}
	for _, x := range subs {
		ver[x.ID] = x.Version
	}
	var out []reviewDone
	for i := len(acts) - 1; i >= 0; i-- {
		a := acts[i]
		d := reviewDone{ReviewAction: a, Name: a.County, Version: ver[a.Submission], What: "审核通过"}
		if c := s.d.Roster.County(a.County); c != nil {
			d.Name = c.Name
		}
		if a.Action == store.ReviewReturn {
			d.What = "退回"
			parts := strings.Split(a.Reason, "\n")
			for _, c := range a.Cells {
				parts = append(parts, c.Sheet+"!"+c.Cell+"："+c.Note)
			}
			d.Detail = strings.Join(parts, "；")
		}
		out = append(out, d)
	}
	return out, nil
}

// reviewTarget reads and checks county and period of a review form.
func (s *Server) reviewTarget(r *http.Request) (*seeds.County, string, error) {
	if s.rev == nil {
		return nil, "", problem("审核功能未启用。")
	}
	p, err := s.period(r)
	if err != nil {
		return nil, "", err
	}
	c := s.d.Roster.County(r.PostFormValue("county"))
	if c == nil {
		return nil, "", problem("名册中没有这个单位。")
	}
	return c, p, nil
}

func (s *Server) reviewApprove(w http.ResponseWriter, r *http.Request, sess *session) error {
	c, p, err := s.reviewTarget(r)
	back := "/review?period=" + url.QueryEscape(p)
	if err == nil {
		err = s.rev.Approve(r.Context(), c.Code, p, sess.User.Name)
		if err != nil && !isProblem(err) {
			return err // internal: logged
		}
	}
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	s.audit(r.Context(), sess, "review.approve", c.Code+" "+p)
	return s.done(w, r, sess, back, fmt.Sprintf("已通过%s%s的报表。", c.Name, templates.PeriodLabel(p)), nil)
}

func isProblem(err error) bool {
	var p problem
	return errors.As(err, &p)
}

func (s *Server) reviewReturn(w http.ResponseWriter, r *http.Request, sess *session) error {
	c, p, err := s.reviewTarget(r)
	back := "/review?period=" + url.QueryEscape(p)
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	req := ReturnRequest{County: c.Code, Period: p, Reason: strings.TrimSpace(r.PostFormValue("reason")), By: sess.User.Name}
	cells, notes := r.PostForm["cell"], r.PostForm["note"]
	for i := range cells {
		cell, note := strings.TrimSpace(cells[i]), ""
		if i < len(notes) {
			note = strings.TrimSpace(notes[i])
		}
		if cell != "" || note != "" {
			req.Cells = append(req.Cells, CellNote{Cell: cell, Note: note})
		}
	}
	if err := s.rev.Return(r.Context(), req); err != nil {
		if !isProblem(err) {
			return err // internal: logged
		}
		return s.done(w, r, sess, back, "", err)
	}
	s.audit(r.Context(), sess, "review.return", fmt.Sprintf("%s %s %s（%d处单元格）", c.Code, p, req.Reason, len(req.Cells)))
	return s.done(w, r, sess, back, fmt.Sprintf("已退回%s%s的报表，退回通知已排入发件箱。", c.Name, templates.PeriodLabel(p)), nil)
}

// sourceItem reads the 待确认来源 item id of a review form.
func (s *Server) sourceItem(r *http.Request) (int64, string, error) {
	p, _ := s.period(r)
	back := "/review?period=" + url.QueryEscape(p)
	if s.rev == nil {
		return 0, back, problem("审核功能未启用。")
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return 0, back, problem("待确认来源的编号不对。")
	}
	return id, back, nil
}

func (s *Server) reviewAcceptSource(w http.ResponseWriter, r *http.Request, sess *session) error {
	id, back, err := s.sourceItem(r)
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	add := r.PostFormValue("add_sender") == "1"
	msg, err := s.rev.AcceptSource(r.Context(), id, add, sess.User.Name)
	if err != nil {
		if !isProblem(err) {
			return err
		}
		return s.done(w, r, sess, back, "", err)
	}
	s.audit(r.Context(), sess, "review.accept-source", fmt.Sprintf("%d add-sender=%v", id, add))
	return s.done(w, r, sess, back, msg, nil)
}

func (s *Server) reviewDiscard(w http.ResponseWriter, r *http.Request, sess *session) error {
	id, back, err := s.sourceItem(r)
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if err := s.rev.DiscardSource(r.Context(), id, reason, sess.User.Name); err != nil {
		if !isProblem(err) {
			return err
		}
		return s.done(w, r, sess, back, "", err)
	}
	s.audit(r.Context(), sess, "review.discard", fmt.Sprintf("%d %s", id, reason))
	return s.done(w, r, sess, back, fmt.Sprintf("已舍弃第%d项（%s），不回复发件人。", id, reason), nil)
}

// --- checks and adjustments ---

type adjustRow struct {
	store.Adjustment
	Unit string
	What string
}

type adjustData struct {
	Records  []adjustRow
	Counties []seeds.County
	CanAct   bool
}

func (s *Server) adjust(w http.ResponseWriter, r *http.Request, sess *session) error {
	p, err := s.period(r)
	if err != nil {
		return s.done(w, r, sess, "/adjust", "", err)
	}
	recs, err := s.d.Store.Adjustments(r.Context(), p, "", true)
	if err != nil {
		return err
	}
	d := adjustData{Counties: s.d.Roster.Counties, CanAct: sess.CanAct()}
	for _, a := range recs {
		row := adjustRow{Adjustment: a, Unit: a.County, What: jobs.DescribeAdjustment(s.d.Checklist, a)}
		if c := s.d.Roster.County(a.County); c != nil {
			row.Unit = c.Name
		}
		d.Records = append(d.Records, row)
	}
	return s.renderOK(w, r, sess, "adjust", page{Title: "核查与加减分", Nav: "adjust", Period: p, Body: d})
}

func (s *Server) adjustAdd(w http.ResponseWriter, r *http.Request, sess *session) error {
	p, err := s.period(r)
	back := "/adjust?period=" + url.QueryEscape(p)
	if err != nil {
		return s.done(w, r, sess, "/adjust", "", err)
	}
	c := s.d.Roster.County(r.PostFormValue("county"))
	if c == nil {
		return s.done(w, r, sess, back, "", problem("请选择名册中的单位。"))
	}
	ps := strings.TrimSpace(r.PostFormValue("points"))
	points, perr := strconv.ParseFloat(ps, 64)
	if perr != nil {
		return s.done(w, r, sess, back, "", problem(fmt.Sprintf("分值“%s”不是数字。", ps)))
	}
	// The same call as kaohe adjust add, with the logged-in user as --by.
	rec, err := s.d.AddAdjustment(r.Context(), store.Adjustment{County: c.Code, Period: p, Kind: r.PostFormValue("kind"), Points: points,
		Reason: strings.TrimSpace(r.PostFormValue("reason")), Doc: strings.TrimSpace(r.PostFormValue("doc")), By: sess.User.Name, Source: "web"})
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	s.audit(r.Context(), sess, "adjust.add", fmt.Sprintf("%d %s %s %s %s分 %s %s", rec.ID, c.Code, p, rec.Kind, ps, rec.Reason, rec.Doc))
	return s.done(w, r, sess, back, fmt.Sprintf("已记录第%d条：%s %s%s分（%s，%s）。重新评估本期后计入得分。", rec.ID, c.Name, rec.Kind,
		strconv.FormatFloat(rec.Points, 'f', -1, 64), rec.Reason, rec.Doc), nil)
}

func (s *Server) adjustRevoke(w http.ResponseWriter, r *http.Request, sess *session) error {
	p, _ := s.period(r)
	back := "/adjust?period=" + url.QueryEscape(p)
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return s.done(w, r, sess, back, "", problem("记录编号不对。"))
	}
	a, err := s.d.RevokeAdjustment(r.Context(), id, sess.User.Name, strings.TrimSpace(r.PostFormValue("reason")))
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	s.audit(r.Context(), sess, "adjust.revoke", fmt.Sprintf("%d %s %s %s", a.ID, a.County, a.Period, a.RevokedReason))
	return s.done(w, r, sess, back, fmt.Sprintf("已撤销第%d条。重新评估本期后生效。", a.ID), nil)
}

func (s *Server) verifySample(w http.ResponseWriter, r *http.Request, sess *session) error {
	p, err := s.period(r)
	if err != nil {
		return s.done(w, r, sess, "/adjust", "", err)
	}
	n := func(k string, def int) int {
		v, err := strconv.Atoi(r.FormValue(k))
		if err != nil || v < 0 || v > 50 {
			return def
		}
		return v
	}
	data, _, err := s.d.VerifySample(r.Context(), p, n("villages", 3), n("tasks", 3))
	if err != nil {
		return s.done(w, r, sess, "/adjust?period="+url.QueryEscape(p), "", err)
	}
	s.audit(r.Context(), sess, "verify.sample", p)
	sendFile(w, "核查表_"+p+".xlsx", xlsxType, data)
	return nil
}

func (s *Server) verifyImport(w http.ResponseWriter, r *http.Request, sess *session) error {
	p, _ := s.period(r)
	back := "/adjust?period=" + url.QueryEscape(p)
	f, fh, err := r.FormFile("file")
	if err != nil {
		return s.done(w, r, sess, back, "", problem("请选择填好的核查表（.xlsx）。"))
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	// The same call as kaohe verify import, with the logged-in user as --by.
	recs, err := s.d.ImportVerification(r.Context(), data, sess.User.Name)
	if err != nil {
		return s.done(w, r, sess, back, "", err)
	}
	if len(recs) == 0 {
		return s.done(w, r, sess, back, "", problem("核查表中没有可记录的核查结果。"))
	}
	falses := 0
	for _, x := range recs {
		if x.Kind == store.AdjClaimFalse {
			falses++
		}
	}
	s.audit(r.Context(), sess, "verify.import", fmt.Sprintf("%s: %d records, ids %d–%d", fh.Filename, len(recs), recs[0].ID, recs[len(recs)-1].ID))
	return s.done(w, r, sess, back, fmt.Sprintf("%s：已记录%d条核查结果，其中不实%d条。重新评估本期后计入得分。", fh.Filename, len(recs), falses), nil)
}

// --- outbox, runs ---

// maxListed is how many mails the outbox page lists, newest first.
const maxListed = 500

type outboxData struct {
	More   int // mails not listed
	State  string
	Mails  []outMail
	CanAct bool
	Counts map[string]int
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request, sess *session) error {
	st := r.FormValue("state")
	if _, ok := outStateNames[st]; !ok {
		st = ""
	}
	p := strings.TrimSpace(r.FormValue("period"))
	if p != "" && jobs.CheckPeriod(p) != nil {
		p = ""
	}
	all, err := s.d.Store.Outbox(r.Context(), "", p)
	if err != nil {
		return err
	}
	d := outboxData{State: st, CanAct: sess.CanAct(), Counts: map[string]int{}}
	for i := len(all) - 1; i >= 0; i-- { // newest first
		o := all[i]
		d.Counts[o.State]++
		if st == "" || o.State == st {
			if len(d.Mails) == maxListed {
				d.More++
				continue
			}
			d.Mails = append(d.Mails, outMail{Outgoing: o, Links: attachmentLinks(o), State: outStateNames[o.State]})
		}
	}
	return s.renderOK(w, r, sess, "outbox", page{Title: "发件箱", Nav: "outbox", Period: p, Body: d})
}

func (s *Server) outboxResend(w http.ResponseWriter, r *http.Request, sess *session) error {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	back := "/outbox?state=failed"
	if err != nil {
		return s.done(w, r, sess, back, "", problem("邮件编号不对。"))
	}
	err = s.d.Store.Requeue(r.Context(), id, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.done(w, r, sess, back, "", problem(fmt.Sprintf("发件箱中没有第%d封邮件。", id)))
	case errors.Is(err, store.ErrState):
		return s.done(w, r, sess, back, "", problem(fmt.Sprintf("第%d封邮件没有发送失败，无需重发。", id)))
	case err != nil:
		return err
	}
	s.audit(r.Context(), sess, "outbox.resend", strconv.FormatInt(id, 10))
	return s.done(w, r, sess, back, fmt.Sprintf("第%d封邮件已重新排队，下次投递（kaohe deliver 或定时投递）时发送。", id), nil)
}

type runRow struct {
	store.Run
	Duration string
	Cause    string // 补跑, 预览
	What     string // another cause, as the run log has it
	Counts   string
}

type runsData struct {
	Runs  []runRow
	Audit []store.AuditEntry
}

var causeNames = map[string]string{store.RunCatchUp: "补跑", store.RunPreview: "预览"}

func (s *Server) runs(w http.ResponseWriter, r *http.Request, sess *session) error {
	runs, err := s.d.Store.Runs(r.Context(), 200)
	if err != nil {
		return err
	}
	var d runsData
	for _, x := range runs {
		row := runRow{Run: x, Cause: causeNames[x.Cause]}
		if row.Cause == "" {
			row.What = x.Cause // e.g. what a review run did, to whom, by whom
		}
		if !x.Finished.IsZero() {
			row.Duration = x.Finished.Sub(x.Started).Round(time.Millisecond).String()
		}
		keys := make([]string, 0, len(x.Counts))
		for k := range x.Counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%d", k, x.Counts[k]))
		}
		row.Counts = strings.Join(parts, " ")
		d.Runs = append(d.Runs, row)
	}
	if d.Audit, err = s.d.Store.AuditLog(r.Context(), 100); err != nil {
		return err
	}
	return s.renderOK(w, r, sess, "runs", page{Title: "运行记录", Nav: "runs", Body: d})
}

// --- users ---

func (s *Server) users(w http.ResponseWriter, r *http.Request, sess *session) error {
	us, err := s.d.Store.Users(r.Context())
	if err != nil {
		return err
	}
	return s.renderOK(w, r, sess, "users", page{Title: "用户", Nav: "users", Body: us})
}

func (s *Server) userAdd(w http.ResponseWriter, r *http.Request, sess *session) error {
	name, role := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("role")
	if name == "" || !store.ValidRole(role) {
		return s.done(w, r, sess, "/users", "", problem("请填写用户名并选择角色。"))
	}
	hash, err := HashPassword(r.PostFormValue("password"))
	if err != nil {
		return s.done(w, r, sess, "/users", "", problem(err.Error()))
	}
	if _, err := s.d.Store.AddUser(r.Context(), name, role, hash, sess.User.Name, s.now()); errors.Is(err, store.ErrState) {
		return s.done(w, r, sess, "/users", "", problem(fmt.Sprintf("用户“%s”已存在。", name)))
	} else if err != nil {
		return err
	}
	s.audit(r.Context(), sess, "user.add", name+" "+role)
	return s.done(w, r, sess, "/users", fmt.Sprintf("已添加用户“%s”（%s）。", name, roleNames[role]), nil)
}

func (s *Server) userDisable(w http.ResponseWriter, r *http.Request, sess *session) error {
	name := r.PostFormValue("name")
	if name == sess.User.Name {
		return s.done(w, r, sess, "/users", "", problem("不能停用自己的账号。"))
	}
	dis := r.PostFormValue("disabled") == "1"
	if err := s.d.Store.SetUserDisabled(r.Context(), name, dis); errors.Is(err, store.ErrNotFound) {
		return s.done(w, r, sess, "/users", "", problem(fmt.Sprintf("没有用户“%s”。", name)))
	} else if err != nil {
		return err
	}
	action, verb := "user.enable", "启用"
	if dis {
		action, verb = "user.disable", "停用"
	}
	s.audit(r.Context(), sess, action, name)
	return s.done(w, r, sess, "/users", fmt.Sprintf("已%s用户“%s”。", verb, name), nil)
}

// --- downloads: by the store's ids, never by a path ---

func sendFile(w http.ResponseWriter, name, ctype string, data []byte) {
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request, sess *session) error {
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	seq, err2 := strconv.Atoi(r.PathValue("seq"))
	if err1 != nil || err2 != nil {
		s.refuse(w, r, sess, http.StatusNotFound, "没有这个文件。")
		return nil
	}
	_, a, err := s.d.Store.OutgoingAttachment(r.Context(), id, seq)
	if errors.Is(err, store.ErrNotFound) {
		s.refuse(w, r, sess, http.StatusNotFound, "没有这个文件。")
		return nil
	} else if err != nil {
		return err
	}
	sendFile(w, a.Name, a.ContentType, a.Data)
	return nil
}

func (s *Server) downloadEvidence(w http.ResponseWriter, r *http.Request, sess *session) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.refuse(w, r, sess, http.StatusNotFound, "没有这个文件。")
		return nil
	}
	e, err := s.d.Store.EvidenceFile(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.refuse(w, r, sess, http.StatusNotFound, "没有这个文件。")
		return nil
	} else if err != nil {
		return err
	}
	sendFile(w, e.Filename, evidenceTypes[e.ContentType], e.Data) // another kind: application/octet-stream
	return nil
}

// evidenceTypes are the media types of the evidence kinds the intake keeps.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

var evidenceTypes = map[string]string{templates.EvidencePDF: "application/pdf", templates.EvidenceJPG: "image/jpeg",
	templates.EvidencePNG: "image/png", templates.EvidenceDOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	templates.EvidenceXLSX: xlsxType}

func (s *Server) downloadMessage(w http.ResponseWriter, r *http.Request, sess *session) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.refuse(w, r, sess, http.StatusNotFound, "没有这封邮件。")
		return nil
	}
	raw, err := s.d.Store.RawMessage(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.refuse(w, r, sess, http.StatusNotFound, "没有这封邮件。")
		return nil
	} else if err != nil {
		return err
	}
	s.audit(r.Context(), sess, "message.download", strconv.FormatInt(id, 10))
	sendFile(w, fmt.Sprintf("message-%d.eml", id), "message/rfc822", raw)
	return nil
}
