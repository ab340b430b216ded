package seeds

import (
	_ "embed"
	"fmt"
	"net/mail"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed roster.toml
var rosterTOML []byte

// Roster is the list of counties (county-level units) that report, with their villages.
type Roster struct {
	Office   string   `toml:"office"`  // the issuing office, printed on forms and reports
	Leaders  []string `toml:"leaders"` // addresses that receive the summary
	Counties []County `toml:"county"`
}

// County is one reporting unit: a county, county-level city, district or 功能区.
type County struct {
	Code   string   `toml:"code"`
	Name   string   `toml:"name"`
	Type   string   `toml:"type"`   // UnitCounty or UnitZone; empty: UnitCounty
	Org    string   `toml:"org"`    // the office kaohe addresses: 中共任城区委组织部; empty: derived (OrgName)
	Emails []string `toml:"emails"` // addresses allowed to submit; reports go to them
	// EscalateTo are the addresses a reminder after the deadline is copied to (e.g. the
	// 分管领导's); they may not submit.
	EscalateTo []string  `toml:"escalate_to"`
	Villages   []Village `toml:"village"`
}

// Village is one administrative village with its 乡镇 and 第一书记.
type Village struct {
	Town      string `toml:"town"`
	Name      string `toml:"name"`
	Secretary string `toml:"secretary"`
	// Central marks a 区域中心村 or 中心社区 (the office's roster decides, not the county).
	Central bool `toml:"central"`
	// SewageStation says whether the village's sewage volume requires a station, as the
	// office has established; unset, the county's reported volume decides (flagged as
	// self-reported in the report).
	SewageStation *bool `toml:"sewage_station"`
}

// Village returns the county's village of a 乡镇, or nil.
func (c *County) Village(town, name string) *Village {
	for i := range c.Villages {
		if c.Villages[i].Town == town && c.Villages[i].Name == name {
			return &c.Villages[i]
		}
	}
	return nil
}

// Unit types: a county-level administrative unit (县、县级市、市辖区) or a 功能区 (高新区、
// 开发区、新区), which a Party working committee (党工委) leads.
const (
	UnitCounty = "县市区"
	UnitZone   = "功能区"
)

// UnitType is the county's type, UnitCounty when the roster leaves it out.
func (c *County) UnitType() string {
	if c.Type == "" {
		return UnitCounty
	}
	return c.Type
}

// OrgName is the organisation department kaohe addresses for the unit: the roster's org,
// else 中共XX委组织部 for a 县市区 (中共任城区委组织部, 中共曲阜市委组织部) and XX党工委组织部
// for a 功能区 (济宁高新区党工委组织部).
func (c *County) OrgName() string {
	switch {
	case c.Org != "":
		return c.Org
	case c.UnitType() == UnitZone:
		return c.Name + "党工委组织部"
	}
	return "中共" + c.Name + "委组织部"
}

// UnitsLabel names the kind of units of a set with the given types, as official text
// does: 县（市、区） when all are 县市区, 功能区 when all are 功能区, and 县（市、区）和功能区
// when both are present (or none is known).
func UnitsLabel(types ...string) string {
	var county, zone bool
	for _, t := range types {
		if t == UnitZone {
			zone = true
		} else {
			county = true
		}
	}
	switch {
	case county && !zone:
		return "县（市、区）"
	case zone && !county:
		return "功能区"
	}
	return "县（市、区）和功能区"
}

// Types returns the unit type of every county, in roster order.
func (r *Roster) Types() []string {
	out := make([]string, len(r.Counties))
	for i := range r.Counties {
		out[i] = r.Counties[i].UnitType()
	}
	return out
}

// County returns the county with the given code, or nil.
func (r *Roster) County(code string) *County {
	for i := range r.Counties {
		if r.Counties[i].Code == code {
			return &r.Counties[i]
		}
	}
	return nil
}

// CountyBySender returns the county whose addresses include addr (case-insensitive), or nil.
func (r *Roster) CountyBySender(addr string) *County {
	addr = strings.ToLower(strings.TrimSpace(addr))
	for i := range r.Counties {
		for _, e := range r.Counties[i].Emails {
			if strings.ToLower(e) == addr {
				return &r.Counties[i]
			}
		}
	}
	return nil
}

// VillageKey identifies a village within a county: 乡镇 and 村, joined by "/".
func VillageKey(town, village string) string { return town + "/" + village }

// DefaultRoster returns the embedded demo roster. It panics if the embedded file is invalid,
// which the tests rule out.
func DefaultRoster() *Roster {
	r, err := ParseRoster(rosterTOML, "embedded roster.toml")
	if err != nil {
		panic(err)
	}
	return r
}

// LoadRoster reads and checks a roster file; an empty path gives the embedded demo roster.
// It returns a *ProblemsError listing every problem.
func LoadRoster(path string) (*Roster, error) {
	if path == "" {
		return ParseRoster(rosterTOML, "embedded roster.toml")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseRoster(b, path)
}

// ParseRoster decodes and checks a roster. name is used in messages.
func ParseRoster(b []byte, name string) (*Roster, error) {
	var r Roster
	md, err := toml.Decode(string(b), &r)
	if err != nil {
		return nil, &ProblemsError{What: name, Problems: []string{err.Error()}}
	}
	var p []string
	add := func(f string, a ...any) { p = append(p, fmt.Sprintf(f, a...)) }
	for _, k := range md.Undecoded() {
		add("unknown key %q", k.String())
	}
	if len(r.Counties) == 0 {
		add("no [[county]]")
	}
	for _, l := range r.Leaders {
		if _, err := mail.ParseAddress(l); err != nil {
			add("leaders: %q is not an e-mail address", l)
		}
	}
	codes := map[string]bool{}
	senders := map[string]string{}
	for _, c := range r.Counties {
		if c.Code == "" || c.Name == "" {
			add("county %q: code and name are required", c.Code+c.Name)
		}
		if c.Type != "" && c.Type != UnitCounty && c.Type != UnitZone {
			add("county %s: type %q: want %q or %q", c.Code, c.Type, UnitCounty, UnitZone)
		}
		if strings.ContainsAny(c.Code, "/\\ .") {
			add("county %s: code may not contain / \\ . or spaces (it names files)", c.Code)
		}
		if codes[c.Code] {
			add("county %s: duplicate code", c.Code)
		}
		if c.Type != "" && c.Type != UnitCounty && c.Type != UnitZone {
			add("county %s: type %q must be %s or %s", c.Code, c.Type, UnitCounty, UnitZone)
		}
		codes[c.Code] = true
		if len(c.Emails) == 0 {
			add("county %s (%s): no emails: it could never submit", c.Code, c.Name)
		}
		for _, e := range c.Emails {
			if _, err := mail.ParseAddress(e); err != nil {
				add("county %s: %q is not an e-mail address", c.Code, e)
			}
			le := strings.ToLower(e)
			if o, ok := senders[le]; ok && o != c.Code {
				add("county %s: address %s is also county %s's", c.Code, e, o)
			}
			senders[le] = c.Code
		}
		for _, e := range c.EscalateTo {
			if _, err := mail.ParseAddress(e); err != nil {
				add("county %s: escalate_to %q is not an e-mail address", c.Code, e)
			}
		}
		if len(c.Villages) == 0 {
			add("county %s (%s): no villages", c.Code, c.Name)
		}
		seen := map[string]bool{}
		for _, v := range c.Villages {
			if v.Town == "" || v.Name == "" {
				add("county %s: a village needs town and name (%q/%q)", c.Code, v.Town, v.Name)
			}
			k := VillageKey(v.Town, v.Name)
			if seen[k] {
				add("county %s: duplicate village %s", c.Code, k)
			}
			seen[k] = true
		}
	}
	if len(p) > 0 {
		return nil, &ProblemsError{What: name, Problems: p}
	}
	return &r, nil
}
