package jobs

import (
	"context"
	"strconv"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// staleReply answers a form of an earlier template version whose period was not sent
// forms of that version: the one sentence saying it is out of date, and the current form
// prefilled with what could be carried over from it (templates.CarryOver).
func (d *Deps) staleReply(ctx context.Context, m *store.Message, p *mail.Parsed, county *seeds.County, k int, period string, base templates.MailData, a mail.Attachment, problem string) error {
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return err
	}
	carry, err := templates.CarryOver(a.Data, a.Filename, templates.ParseOptions{
		Checklist: d.Checklist, Roster: d.Roster, Secret: d.Config.Forms.Secret,
		MaxBytes: int64(d.Config.Forms.MaxAttachmentMB) << 20, County: county.Code,
	})
	from := ""
	switch {
	case err != nil:
		d.Logger.Warn("nothing carried over from an out-of-date form: the current form goes blank", "county", county.Code, "file", a.Filename, "err", err)
		carry = nil
	case carry.County != county.Code || carry.Period != period:
		carry = nil // CarryOver checked the signature; this is belt and braces
	default:
		from = strconv.Itoa(carry.Form)
	}
	form, err := d.buildForm(county, period, deadline, carry, from)
	if err != nil {
		return err
	}
	if err := d.formSent(ctx, period); err != nil {
		return err
	}
	data := base
	data.Period, data.Deadline, data.Filename, data.Problems = period, deadline, a.Filename, []string{problem}
	data.CurrentForm, data.Prefilled = true, carry != nil
	subject, body, err := templates.RenderMail(templates.MailReject, data)
	if err != nil {
		return err
	}
	atts := []store.OutAttachment{{Name: FormFilename(county, period), ContentType: xlsxType, Data: form}}
	return d.reply(ctx, m, p, county, k, templates.MailReject, period, subject, body, atts)
}
