"""Admin page: create users, set role and scope, reset passwords, see the audit and export logs."""
from accounts.ui import admin_page, logout_button, require_login

user = require_login()
logout_button(user)
admin_page(user)
