# Stargate, Abilene (TX): GB200 capacity Azure declined (ROFR-2025-001).
provider "oci" {
  region = "us-phoenix-1"
}

variable "compartment_ocid" {
  type = string
}

resource "oci_core_instance" "gb200" {
  count               = 64
  availability_domain = "Uocm:US-PHOENIX-1-AD-1"
  compartment_id      = var.compartment_ocid
  shape               = "BM.GPU.GB200.4"
  display_name        = "stargate-abilene-gb200-${count.index}"

  freeform_tags = {
    site    = "abilene"
    program = "stargate"
  }
}
