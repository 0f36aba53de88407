// response_mode=form_post: the answer goes to the app as soon as the page loads; the button is
// there for browsers without script.
document.getElementById("form-post").submit();
