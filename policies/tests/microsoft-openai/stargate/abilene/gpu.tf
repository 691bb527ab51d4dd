resource "oci_core_instance" "gb200" {
  availability_domain = "Uocm:PHX-AD-1"
  shape               = "BM.GPU.GB200.4"
}
