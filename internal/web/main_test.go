package web

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // the logins of the tests, not the strength of a hash, are under test
	os.Exit(m.Run())
}
