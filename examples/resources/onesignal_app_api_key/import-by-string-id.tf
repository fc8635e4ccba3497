# Terraform 1.5 and later: import with a block, then
#   terraform plan -generate-config-out=generated.tf
# writes the matching resource block for you.
import {
  to = onesignal_app_api_key.backend
  id = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f/7b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
}
