// Package mail speaks the mail protocols kaohe needs: an IMAP client for the
// intake mailbox (Inbox), a MIME parser that digs county attachments out of
// whatever their mail clients produce (ParseMessage), an SMTP sender that
// delivers a batch of messages over one connection (Sender), and a pair of
// embedded servers (IMAPServer, SMTPSink) that speak the real protocols on
// 127.0.0.1 for the demo and the tests.
//
// The package holds no global state and imports nothing else of kaohe. Retry
// policy and bookkeeping (outbox, dedupe) belong to the caller; this package
// only says whether a failure is temporary or permanent (SendError,
// IsPermanent) and offers Backoff.
package mail
